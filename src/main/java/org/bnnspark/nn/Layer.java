package org.bnnspark.nn;

import java.util.SplittableRandom;

/**
 * One layer's forward and backward over a batch of {@code n} row-major rows.
 *
 * <p>A layer holds no weights of its own: its trainable parameters are the slice
 * {@code [paramOffset, paramOffset + paramCount())} of the network's one flat parameter array, and
 * its non-trainable state (BatchNorm running statistics) a slice of the flat state array. A layer
 * object may keep scratch buffers between its forward and backward, so one {@link Network} (and its
 * layers) serves one thread.
 */
public abstract class Layer {
  protected final Shape inShape;
  protected final Shape outShape;
  protected final int inSize;
  protected final int outSize;
  int paramOffset;
  int stateOffset;
  /** Index in the network (seeds per-layer random draws). */
  int position;
  /** The configuration this layer was built from ({@link LayerSpec#build}), or null for a layer built directly. */
  LayerSpec spec;

  /** A layer on plain feature vectors. */
  protected Layer(int inSize, int outSize) {
    this(Shape.flat(inSize), Shape.flat(outSize));
  }

  protected Layer(Shape inShape, Shape outShape) {
    this.inShape = inShape;
    this.outShape = outShape;
    this.inSize = inShape.size();
    this.outSize = outShape.size();
  }

  /** Places the layer in the network's flat arrays (a layer that delegates to another places it too). */
  void place(int paramOffset, int stateOffset, int position) {
    this.paramOffset = paramOffset;
    this.stateOffset = stateOffset;
    this.position = position;
  }

  /** The configuration this layer was built from, or null when it was built directly (tests, inner products). */
  public LayerSpec spec() {
    return spec;
  }

  /**
   * This layer as the only one of its parameter and state arrays (offsets 0), as the packed model
   * runs a layer it keeps in the training graph's form.
   */
  public Layer standalone() {
    place(0, 0, 0);
    return this;
  }

  public Shape inShape() {
    return inShape;
  }

  public Shape outShape() {
    return outShape;
  }

  public int inSize() {
    return inSize;
  }

  public int outSize() {
    return outSize;
  }

  public int paramOffset() {
    return paramOffset;
  }

  public int stateOffset() {
    return stateOffset;
  }

  public int paramCount() {
    return 0;
  }

  public int stateCount() {
    return 0;
  }

  /** Writes initial parameters into {@code params[paramOffset ...]}. */
  public void initParams(float[] params, SplittableRandom rng) {}

  /**
   * The parameters another network starting from this one's training receives (see {@link
   * Network#transferFrom}): its slice as stored, or in the form it acts in (a compressed layer's
   * {@code tanh(W̃)}).
   */
  public float[] transferableParams(float[] params) {
    return java.util.Arrays.copyOfRange(params, paramOffset, paramOffset + paramCount());
  }

  /** Writes initial state into {@code state[stateOffset ...]}. */
  public void initState(float[] state) {}

  /** Forward {@code y = f(x)} for {@code n} rows. In training mode a layer may record batch statistics in {@code ctx}. */
  public abstract void forward(Context ctx, float[] x, float[] y, int n);

  /**
   * Backward: adds this layer's parameter gradients into {@code ctx.grad} and writes {@code dx}
   * (skipped when {@code dx} is null, i.e. for the first layer). {@code x}, {@code y} are the
   * forward's input and output for the same batch.
   */
  public abstract void backward(Context ctx, float[] x, float[] y, float[] dy, float[] dx, int n);

  /** Clips the latent binary weights ({@link #binaryWeightCount} from {@link #binaryWeightOffset}) to [−1, 1] after an optimizer step. */
  public void clipLatent(float[] params) {
    org.bnnspark.bits.BitPacking.clip(params, binaryWeightOffset(), binaryWeightCount());
  }

  /** The layers that do the work: this one, or a block's layers (see {@link Residual}). */
  java.util.List<Layer> leaves() {
    return java.util.List.of(this);
  }

  /** Number of binary weights this layer derives from latent ones (for flip ratio and summaries). */
  public int binaryWeightCount() {
    return 0;
  }

  /** Offset in the parameter array of this layer's latent binary weights (valid when {@link #binaryWeightCount()} > 0). */
  public int binaryWeightOffset() {
    return paramOffset;
  }

  /**
   * Applies the batch statistics that training steps recorded (summed over {@code count} examples,
   * possibly across partitions) to the running state; {@code steps} is the number of training
   * steps they span (more than 1 under local steps: see {@link BatchNorm#updateState}).
   */
  public void updateState(float[] state, double[] statSums, long count, int steps) {}

  /**
   * Multiply-accumulates of this layer's forward product per example, counted as the dense float
   * product they replace (0 for element-wise layers); the backward's two products cost as much each.
   */
  public long macsPerExample() {
    return 0;
  }

  /**
   * What this layer is at inference ({@link Lowering}), with its parameters and state read from the
   * network's arrays. A layer with no form of its own is kept as it is ({@link Lowering#GRAPH}).
   */
  public Lowering lower(float[] params, float[] state) {
    return Lowering.GRAPH;
  }

  /** Short description for summaries, e.g. {@code BinaryDense(784→512, ste_sign)}. */
  public abstract String describe();
}
