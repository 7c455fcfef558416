package org.bnnspark.inference;

import org.bnnspark.bits.BinaryGemm;
import org.bnnspark.bits.BitPacking;
import org.bnnspark.inference.PackedModel.Representation;
import org.bnnspark.nn.Conv2d;

/**
 * XNOR-Net's activation-scaled binary convolution (Rastegari et al. 2016): the stage packs the signs
 * of its real input, runs the XNOR-popcount convolution on them, and scales each window's dots by
 * {@code K = mean |input|} over the window ({@link Conv2d#windowScale}), taken from the real input's
 * im2col — the training graph's own numbers. The whole batch runs as one chunk (K needs the float windows).
 */
final class ScaledXnorConvOp extends XnorConvOp {
  private float[] unpacked = new float[0];
  private long[] signs = new long[0];
  private float[] realWindows = new float[0];
  private float[] scales = new float[0];

  ScaledXnorConvOp(PackedStage st, Representation input, BinaryGemm kernel, long[] rows) {
    super(st, input, kernel, rows);
  }

  @Override
  int chunk(int n) {
    return n;
  }

  @Override
  void allocate(int n) {
    super.allocate(n);
    unpacked = input == Representation.BITS ? new float[n * st.in()] : unpacked;
    signs = new long[n * BitPacking.words(st.in())];
    realWindows = new float[n * g.positions() * g.patchSize()];
    scales = new float[n * g.positions()];
  }

  @Override
  void compute(Activations in, int n) {
    float[] x = floatsOf(in, n, unpacked);
    BitPacking.packRows(x, 0, n, st.in(), signs, 0);
    convDots(signs, 0, n);
    g.im2col(x, n, realWindows);
    for (int r = 0, rows = n * g.positions(); r < rows; r++) {
      scales[r] = Conv2d.windowScale(realWindows, r * g.patchSize(), g.patchSize());
    }
    epilogue.dots(dots, n, 1f, scales, out, 0);
  }
}
