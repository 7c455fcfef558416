package org.bnnspark.nn;

import java.io.Serializable;
import java.util.List;

/**
 * A network's architecture: input width, optional input range, layer list, class count. Read from
 * the {@code "network"} object of a configuration file:
 * <pre>
 *   "network": {
 *     "input_size": 784,
 *     "input_range": [0, 255],     // raw features are mapped linearly onto [−1, 1]; omit to use them as they are
 *     "classes": 10,
 *     "layers": [ {"type": "binary_dense", "units": 512}, {"type": "batch_norm"}, {"type": "sign"}, ... ]
 *   }
 * </pre>
 * The last layer's width must equal {@code classes}; its output is the logits. Without an input range,
 * {@code inputLow} and {@code inputHigh} are NaN.
 */
public record NetworkSpec(int inputSize, double inputLow, double inputHigh, int classes, List<LayerSpec> layers)
    implements Serializable {

  public static NetworkSpec parse(ConfigNode c) {
    c.allowOnly(java.util.Set.of("input_size", "input_range", "classes", "layers"));
    int inputSize = c.positiveInt("input_size");
    double[] range = c.numbers("input_range");
    if (range != null && (range.length != 2 || !(range[0] < range[1]))) {
      throw c.error("'input_range': expected [low, high] with low < high");
    }
    int classes = c.positiveInt("classes");
    if (classes < 2) {
      throw c.error("'classes': a classifier needs at least 2 classes, got " + classes);
    }
    List<LayerSpec> layers = c.objects("layers").stream().map(LayerSpec::parse).toList();
    int width = inputSize;
    for (LayerSpec l : layers) {
      width = l.outputSize(width);
    }
    if (width != classes) {
      throw c.error("the last layer has " + width + " outputs but 'classes' is " + classes
          + " (end the network with a dense or binary_dense layer of " + classes + " units)");
    }
    return range == null
        ? new NetworkSpec(inputSize, Double.NaN, Double.NaN, classes, layers)
        : new NetworkSpec(inputSize, range[0], range[1], classes, layers);
  }

  /** Maps a raw feature value onto the network's input scale. */
  public float scaleInput(double raw) {
    if (Double.isNaN(inputLow)) {
      return (float) raw;
    }
    return (float) (2 * (raw - inputLow) / (inputHigh - inputLow) - 1);
  }
}
