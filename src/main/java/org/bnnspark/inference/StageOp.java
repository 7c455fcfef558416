package org.bnnspark.inference;

import org.bnnspark.bits.BinaryGemm;
import org.bnnspark.inference.PackedModel.Representation;

/**
 * One stage of a packed model at run time: it owns what it prepared from the stage (weights in the
 * layout its kernel reads, corrections, thresholds) and its buffers, and runs a batch. One
 * subclass per way of computing a stage; the stage's {@link StageProduct#op product} picks it once,
 * from the stage and the representation its input arrives in (public only as that method's type). Not thread-safe: a {@link PackedScorer} (one per thread)
 * holds its own.
 *
 * <table>
 *   <caption>Which operation runs a stage</caption>
 *   <tr><th>product</th><th>input</th><th>operation</th></tr>
 *   <tr><td>binary dense</td><td>bits</td><td>{@link XnorDenseOp}: XNOR-popcount, fused with thresholds</td></tr>
 *   <tr><td>binary dense</td><td>levels</td><td>{@link LevelDenseOp}: exact integer sums</td></tr>
 *   <tr><td>binary convolution</td><td>bits</td><td>{@link XnorConvOp}: bit-im2col per image + XNOR-popcount</td></tr>
 *   <tr><td>binary convolution</td><td>levels</td><td>{@link LevelConvOp}: a direct integer convolution</td></tr>
 *   <tr><td>binary convolution with XNOR-Net's K</td><td>any</td><td>{@link ScaledXnorConvOp}</td></tr>
 *   <tr><td>ABC-Net bases</td><td>any</td><td>{@link AbcOp}</td></tr>
 *   <tr><td>residual block</td><td>any</td><td>{@link ResidualOp}</td></tr>
 *   <tr><td>a layer with no packed kernel (e.g. average pooling)</td><td>any</td><td>{@link GraphOp}: the layer's own forward</td></tr>
 *   <tr><td>anything else</td><td>any</td><td>{@link FloatOp}: the training graph's float arithmetic</td></tr>
 * </table>
 */
public abstract class StageOp {
  final PackedStage st;
  final Representation input;
  /** This stage's output: bits after a sign, else floats. */
  final Activations out = new Activations();
  private int capacity;

  StageOp(PackedStage st, Representation input) {
    this.st = st;
    this.input = input;
  }

  static StageOp of(PackedStage st, Representation input, BinaryGemm kernel) {
    return st.product().op(st, input, kernel);
  }

  /** Runs {@code n} examples of {@code in} (the previous stage's output, or the model's input floats) into {@link #out}. */
  final Activations run(Activations in, int n) {
    if (n > capacity) {
      allocate(n);
      capacity = n;
    }
    compute(in, n);
    return out;
  }

  /** Sizes the output and scratch buffers for batches of up to {@code n} examples. */
  abstract void allocate(int n);

  abstract void compute(Activations in, int n);

  /** A short name for profiles. */
  String name() {
    return getClass().getSimpleName();
  }

  /** The input as floats: itself, or its bits unpacked to ±1 into {@code buffer}. */
  final float[] floatsOf(Activations in, int n, float[] buffer) {
    if (input != Representation.BITS) {
      return in.floats;
    }
    Activations.unpack(in.bits, st.in(), n, buffer);
    return buffer;
  }
}
