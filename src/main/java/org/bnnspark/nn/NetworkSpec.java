package org.bnnspark.nn;

import java.io.Serializable;
import java.util.List;

/**
 * A network's architecture: input width, optional input range, layer list, class count. Read from
 * the {@code "network"} object of a configuration file:
 * <pre>
 *   "network": {
 *     "input_size": 784,
 *     "input_shape": [28, 28, 1],  // height, width, channels (channels-last); needed by convolutions, optional otherwise
 *     "input_range": [0, 255],     // raw features are clipped to this range and quantized to 8 bits on (−1, 1); omit to use them as they are
 *     "classes": 10,
 *     "layers": [ {"type": "binary_dense", "units": 512}, {"type": "batch_norm"}, {"type": "sign"}, ... ]
 *   }
 * </pre>
 * The last layer's width must equal {@code classes}; its output is the logits. Without an input range,
 * {@code inputLow} and {@code inputHigh} are NaN. Without an input shape the input is a flat vector
 * ({@code 1 × 1 × input_size}); with one, {@code input_size} may be left out.
 */
public record NetworkSpec(Shape inputShape, double inputLow, double inputHigh, int classes, List<LayerSpec> layers)
    implements Serializable {

  /** A network on flat feature vectors of {@code inputSize} values. */
  public NetworkSpec(int inputSize, double inputLow, double inputHigh, int classes, List<LayerSpec> layers) {
    this(Shape.flat(inputSize), inputLow, inputHigh, classes, layers);
  }

  /**
   * The same network with {@code units} units (filters, for convolutions) in every hidden layer: each
   * layer that has units, inside blocks too, except the last one (the classifier, {@code classes}
   * wide). What a hyper-parameter search over the width changes.
   */
  public NetworkSpec withHiddenUnits(int units) {
    int last = -1;
    for (int i = 0; i < layers.size(); i++) {
      if (layers.get(i).units() > 0) {
        last = i;
      }
    }
    List<LayerSpec> out = new java.util.ArrayList<>();
    for (int i = 0; i < layers.size(); i++) {
      LayerSpec l = layers.get(i);
      out.add(i == last ? l : l.withUnits(units));
    }
    return new NetworkSpec(inputShape, inputLow, inputHigh, classes, List.copyOf(out));
  }

  /** Values per example. */
  public int inputSize() {
    return inputShape.size();
  }

  public static NetworkSpec parse(ConfigNode c) {
    c.allowOnly(java.util.Set.of("input_size", "input_shape", "input_range", "classes", "layers"));
    Shape shape = inputShape(c);
    double[] range = c.numbers("input_range");
    if (range != null && (range.length != 2 || !(range[0] < range[1]))) {
      throw c.error("'input_range': expected [low, high] with low < high");
    }
    int classes = c.positiveInt("classes");
    if (classes < 2) {
      throw c.error("'classes': a classifier needs at least 2 classes, got " + classes);
    }
    List<LayerSpec> layers = c.objects("layers").stream().map(LayerSpec::parse).toList();
    Shape out = shape;
    List<ConfigNode> nodes = c.objects("layers");
    for (int i = 0; i < layers.size(); i++) {
      try {
        out = layers.get(i).outputShape(out);
      } catch (IllegalArgumentException e) {
        throw nodes.get(i).error(e.getMessage());
      }
    }
    if (!out.isFlat() || out.size() != classes) {
      throw c.error("the last layer has " + out + " outputs but 'classes' is " + classes
          + " (end the network with a dense or binary_dense layer of " + classes + " units)");
    }
    return range == null
        ? new NetworkSpec(shape, Double.NaN, Double.NaN, classes, layers)
        : new NetworkSpec(shape, range[0], range[1], classes, layers);
  }

  private static Shape inputShape(ConfigNode c) {
    double[] dims = c.numbers("input_shape");
    if (dims == null) {
      return Shape.flat(c.positiveInt("input_size"));
    }
    if (dims.length != 3 || java.util.Arrays.stream(dims).anyMatch(d -> d < 1 || d != Math.rint(d))) {
      throw c.error("'input_shape': expected [height, width, channels], three positive integers");
    }
    Shape shape = new Shape((int) dims[0], (int) dims[1], (int) dims[2]);
    if (c.has("input_size") && c.positiveInt("input_size") != shape.size()) {
      throw c.error("'input_size' is " + c.positiveInt("input_size") + " but 'input_shape' " + shape + " holds " + shape.size() + " values");
    }
    return shape;
  }

  /** Number of levels a ranged input is quantized to (8 bits, as pixels). */
  public static final int INPUT_LEVELS = 256;

  /** Whether raw features are declared on a range and quantized to {@link #INPUT_LEVELS} levels. */
  public boolean quantizedInput() {
    return !Double.isNaN(inputLow);
  }

  /**
   * Maps a raw feature value onto the network's input scale. Without an input range the value is
   * used as it is. With one, it is clipped into the range, quantized to a level
   * {@code q ∈ [0, 255]} and mapped to {@code x = (2q − 255) / 256} — odd multiples of 2⁻⁸ in
   * (−1, 1). Every such {@code x} is exact in float, and so is every partial sum of {@code x·(±1)}
   * over fewer than 65,536 inputs; the first binary layer's float product therefore equals the
   * integer {@code Σ (2q − 255)·w} / 256 exactly, whatever the summation order — which lets the
   * packed model compute it with integers and still agree with the training graph bit for bit.
   */
  public float scaleInput(double raw) {
    if (!quantizedInput()) {
      return (float) raw;
    }
    double t = (raw - inputLow) / (inputHigh - inputLow);
    int q = (int) Math.round(Math.min(1.0, Math.max(0.0, t)) * (INPUT_LEVELS - 1));
    return levelValue(q);
  }

  /** The input value of quantization level {@code q}: {@code (2q − 255) / 256}. */
  public static float levelValue(int q) {
    return (2 * q - (INPUT_LEVELS - 1)) / (float) INPUT_LEVELS;
  }

  /**
   * The level of an input value produced by {@link #scaleInput}: the exact inverse of {@link
   * #levelValue} (on the grid, {@code x·128 + 127.5} is exactly the integer q), clamped to [0, 255].
   * A plain cast rather than {@code Math.round}, so a loop over a row vectorizes.
   */
  public static int level(float x) {
    return Math.max(0, Math.min(INPUT_LEVELS - 1, (int) (x * (INPUT_LEVELS / 2f) + (INPUT_LEVELS - 1) / 2f)));
  }
}
