package org.bnnspark.nn;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A layer list over one flat parameter array and one flat state array.
 *
 * <p>The arrays belong to the caller (the trainer, the Spark driver, a broadcast); the network
 * holds only the layers' offsets into them and per-batch scratch buffers. One instance serves one
 * thread; build one per Spark task from the same {@link NetworkSpec}.
 */
public final class Network {
  private final NetworkSpec spec;
  private final List<Layer> layers;
  private final LayerChain chain;
  private final int paramCount;
  private final int stateCount;
  private final int[] hits = new int[1];
  private long lastForwardNanos;
  private long lastBackwardNanos;

  public Network(NetworkSpec spec) {
    this.spec = spec;
    List<Layer> built = new ArrayList<>();
    Shape shape = spec.inputShape();
    int params = 0;
    int state = 0;
    for (LayerSpec ls : spec.layers()) {
      Layer layer = ls.build(shape);
      layer.place(params, state, built.size());
      params += layer.paramCount();
      state += layer.stateCount();
      shape = layer.outShape();
      built.add(layer);
    }
    this.layers = Collections.unmodifiableList(built);
    this.chain = new LayerChain(built, spec.inputShape().size());
    this.paramCount = params;
    this.stateCount = state;
  }

  public NetworkSpec spec() {
    return spec;
  }

  public List<Layer> layers() {
    return layers;
  }

  /** Every layer that does work, those inside residual blocks included, in order. */
  public List<Layer> leafLayers() {
    return chain.leaves();
  }

  public int paramCount() {
    return paramCount;
  }

  public int stateCount() {
    return stateCount;
  }

  public int inputSize() {
    return spec.inputSize();
  }

  public int classes() {
    return spec.classes();
  }

  /** Initial parameters; the same seed gives the same array, bit for bit. */
  public float[] initParams(long seed) {
    float[] params = new float[paramCount];
    chain.initParams(params, new SplittableRandom(seed));
    clipLatent(params);
    return params;
  }

  public float[] initState() {
    float[] state = new float[stateCount];
    chain.initState(state);
    return state;
  }

  /**
   * Starts this network from another one's trained parameters and state (a second training stage,
   * e.g. Bitwise Neural Networks' bitwise stage after its real-valued one): the layers that hold
   * parameters or state are paired in order and must agree in shapes and counts; each passes its
   * {@link Layer#transferableParams}. Weights are then clipped to this network's latent range.
   *
   * @throws IllegalArgumentException naming the first pair that does not match
   */
  public void transferFrom(Network source, float[] sourceParams, float[] sourceState, float[] params, float[] state) {
    List<Layer> from = source.layers.stream().filter(l -> l.paramCount() + l.stateCount() > 0).toList();
    List<Layer> to = layers.stream().filter(l -> l.paramCount() + l.stateCount() > 0).toList();
    if (from.size() != to.size()) {
      throw new IllegalArgumentException("the source network has " + from.size() + " layers with parameters, this one " + to.size());
    }
    for (int i = 0; i < to.size(); i++) {
      Layer a = from.get(i);
      Layer b = to.get(i);
      if (a.paramCount() != b.paramCount() || a.stateCount() != b.stateCount() || !a.inShape.equals(b.inShape)
          || !a.outShape.equals(b.outShape)) {
        throw new IllegalArgumentException("layer " + b.describe() + " cannot start from " + a.describe());
      }
      System.arraycopy(a.transferableParams(sourceParams), 0, params, b.paramOffset, b.paramCount());
      System.arraycopy(sourceState, a.stateOffset, state, b.stateOffset, b.stateCount());
    }
    clipLatent(params);
  }

  /** Clips every latent binary weight to [−1, 1]. */
  public void clipLatent(float[] params) {
    chain.clipLatent(params);
  }

  /** Folds summed batch statistics into the running state (see {@link BatchNorm}). */
  public void updateState(float[] state, double[] statSums, long count) {
    updateState(state, statSums, count, 1);
  }

  /** As above, for statistics summed over {@code steps} training steps (a round of local steps). */
  public void updateState(float[] state, double[] statSums, long count, int steps) {
    chain.updateState(state, statSums, count, steps);
  }

  /**
   * Boundaries of the parameter tensors in the flat array, ascending from 0 to {@link #paramCount}:
   * every layer's parameters, with its latent binary weights a tensor of their own (one scale each
   * under compressed exchange).
   */
  public int[] tensorBounds() {
    java.util.TreeSet<Integer> b = new java.util.TreeSet<>(List.of(0, paramCount));
    for (Layer l : leafLayers()) {
      if (l.paramCount() == 0) {
        continue;
      }
      b.add(l.paramOffset());
      b.add(l.paramOffset() + l.paramCount());
      if (l.binaryWeightCount() > 0) {
        b.add(l.binaryWeightOffset());
        b.add(l.binaryWeightOffset() + l.binaryWeightCount());
      }
    }
    return b.stream().mapToInt(Integer::intValue).toArray();
  }

  /** Number of binary weights derived from latent ones, over all layers. */
  public int binaryWeightCount() {
    int n = 0;
    for (Layer layer : leafLayers()) {
      n += layer.binaryWeightCount();
    }
    return n;
  }

  /** Signs of all latent binary weights, packed (for the flip ratio between two parameter arrays). */
  public long[] binaryWeightSigns(float[] params) {
    long[] out = new long[org.bnnspark.bits.BitPacking.words(binaryWeightCount())];
    int bit = 0;
    for (Layer layer : leafLayers()) {
      for (int i = 0; i < layer.binaryWeightCount(); i++, bit++) {
        if (params[layer.binaryWeightOffset() + i] >= 0f) {
          out[bit >>> 6] |= 1L << (bit & 63);
        }
      }
    }
    return out;
  }

  /** Inference-mode logits for {@code n} rows of {@code x} (already on the network's input scale). */
  public void predictLogits(float[] params, float[] state, float[] x, int n, float[] logits) {
    float[] out = chain.forward(Context.inference(params, state), x, n);
    System.arraycopy(out, 0, logits, 0, n * classes());
  }

  /**
   * One training pass over {@code n} rows: binarized forward, softmax cross-entropy, STE backward.
   * Adds the gradient (summed over rows) into {@code grad} and the batch statistics into
   * {@code statSums}; returns the summed loss and the number of correct argmax predictions.
   */
  public BatchResult trainBatch(float[] params, float[] state, float[] x, int[] labels, int n,
      float[] grad, double[] statSums) {
    return trainBatch(params, state, x, labels, n, grad, statSums, 0);
  }

  /** As above, with the seed of the pass's random draws (see {@link Context#noiseSeed}). */
  public BatchResult trainBatch(float[] params, float[] state, float[] x, int[] labels, int n,
      float[] grad, double[] statSums, long noiseSeed) {
    Context ctx = Context.training(params, state, grad, statSums, noiseSeed);
    long t0 = System.nanoTime();
    float[] logits = chain.forward(ctx, x, n);
    long t1 = System.nanoTime();
    double loss = SoftmaxCrossEntropy.lossAndGradient(logits, labels, 0, n, classes(), chain.outputGradient(), hits);
    chain.backward(ctx, x, n, false);
    lastForwardNanos = t1 - t0;
    lastBackwardNanos = System.nanoTime() - t1;
    return new BatchResult(loss, hits[0]);
  }

  /** Nanoseconds of the last {@link #trainBatch}'s forward pass and of its loss + backward pass (for the step benchmark). */
  public long[] lastPassNanos() {
    return new long[] {lastForwardNanos, lastBackwardNanos};
  }

  /** Dense-equivalent multiply-accumulates of one training example: forward, and backward's two products (none for the first layer's input gradient). */
  public long trainingMacsPerExample() {
    long total = 0;
    boolean first = true;
    for (Layer l : layers) {
      long m = l.macsPerExample();
      total += (first ? 2 : 3) * m;
      if (m > 0) {
        first = false;
      }
    }
    return total;
  }

  /** Summed loss and correct-prediction count of one training batch. */
  public record BatchResult(double lossSum, int correct) {}

  /** One line per layer: description, parameter count. */
  public String summary() {
    StringBuilder sb = new StringBuilder();
    for (Layer layer : layers) {
      sb.append(String.format("  %-40s params=%d%n", layer.describe(), layer.paramCount()));
    }
    sb.append(String.format("  total params=%d (binary weights %d), state=%d%n", paramCount, binaryWeightCount(), stateCount));
    return sb.toString();
  }
}
