package org.bnnspark.inference;

import org.bnnspark.bits.BinaryGemm;
import org.bnnspark.bits.BitPacking;
import org.bnnspark.bits.SignThresholds;
import org.bnnspark.inference.PackedModel.Representation;

/**
 * Binary weights on packed ±1 bits, one product per example's whole row: XNOR-popcount
 * ({@link BinaryGemm}). A hidden layer folded into thresholds runs fused — bits in, bits out, the
 * dots never leave the kernel's scratch; otherwise the dots go through the {@link Epilogue}.
 */
final class XnorDenseOp extends StageOp {
  private final BinaryGemm kernel;
  private final SignThresholds fused;
  private final Epilogue epilogue;
  private int[] dots = new int[0];
  private final int[] scratch;

  private final long[] rows;

  XnorDenseOp(PackedStage st, Representation input, BinaryGemm kernel, long[] rows) {
    super(st, input);
    this.rows = rows;
    this.kernel = kernel;
    this.epilogue = new Epilogue(st);
    this.fused = st.folded() && st.pool() == null ? new SignThresholds(st.threshold(), st.flip()) : null;
    this.scratch = new int[Math.max(4096, 8 * st.features())];
  }

  @Override
  void allocate(int n) {
    epilogue.allocateOutput(out, n);
    dots = fused == null ? new int[n * st.features()] : dots;
  }

  @Override
  void compute(Activations in, int n) {
    int words = BitPacking.words(st.in());
    if (fused != null) {
      kernel.gemmThresholded(in.bits, 0, n, rows, 0, st.features(), words, st.in(), fused, out.bits, 0, scratch);
      return;
    }
    kernel.gemm(in.bits, 0, n, rows, 0, st.features(), words, st.in(), dots, 0, st.features());
    epilogue.dots(dots, n, 1f, null, out, 0);
  }
}
