package org.bnnspark.inference;

import java.util.Arrays;
import org.bnnspark.bits.BinaryGemm;
import org.bnnspark.bits.BitPacking;
import org.bnnspark.inference.PackedModel.Representation;
import org.bnnspark.nn.AbcLayer;

/**
 * ABC-Net (Lin et al. 2017): the input's N activation bases as bit planes ({@code r + v_n ≥ 0.5}),
 * each through bit-im2col for a convolution, then every (weight base m, activation base n) product
 * by XNOR-popcount (padding-corrected per weight base), combined as the training graph does:
 * {@code y += α_m β_n · z}, m outer, n inner, through {@link AbcLayer#accumulate}; then the
 * {@link Epilogue}.
 */
final class AbcOp extends StageOp {
  private final BinaryGemm kernel;
  private final PackedStage.Abc abc;
  private final int patch;
  private final int words;
  /** Per weight base, the padding correction of a convolution with padding (else null). */
  private final int[][] correction;
  private final Epilogue epilogue;
  private float[] unpacked = new float[0];
  private long[][] planes;
  private long[][] windows;
  private int[] dots = new int[0];
  private float[] products = new float[0];
  private float[] y = new float[0];

  AbcOp(PackedStage st, Representation input, BinaryGemm kernel) {
    super(st, input);
    this.kernel = kernel;
    this.abc = st.abc();
    this.patch = st.patch();
    this.words = BitPacking.words(patch);
    this.epilogue = new Epilogue(st);
    if (st.conv() != null && st.conv().padding() > 0) {
      correction = new int[abc.weightBases()][];
      for (int m = 0; m < abc.weightBases(); m++) {
        correction[m] = XnorConvOp.paddingCorrection(st, m * st.features() * words);
      }
    } else {
      correction = null;
    }
  }

  @Override
  void allocate(int n) {
    epilogue.allocateOutput(out, n);
    unpacked = input == Representation.BITS ? new float[n * st.in()] : unpacked;
    int bases = abc.activationBases();
    planes = new long[bases][n * BitPacking.words(st.in())];
    windows = st.conv() == null ? planes : new long[bases][n * st.conv().positions() * words];
    int rows = n * st.productShape().positions();
    dots = new int[rows * st.features()];
    products = new float[rows * st.features()];
    y = new float[rows * st.features()];
  }

  @Override
  void compute(Activations in, int n) {
    float[] x = floatsOf(in, n, unpacked);
    int f = st.features();
    int rows = n * st.productShape().positions();
    int inWords = BitPacking.words(st.in());
    for (int k = 0; k < abc.activationBases(); k++) {
      long[] plane = planes[k];
      Arrays.fill(plane, 0, n * inWords, 0L);
      float shift = abc.shifts()[k];
      for (int r = 0; r < n; r++) {
        for (int i = 0; i < st.in(); i++) {
          if (AbcLayer.activationBit(x[r * st.in() + i], shift)) {
            plane[r * inWords + (i >>> 6)] |= 1L << (i & 63);
          }
        }
      }
      if (st.conv() != null) {
        for (int r = 0; r < n; r++) {
          XnorConvOp.bitIm2col(st.conv(), plane, r, windows[k], r * st.conv().positions() * words);
        }
      }
    }
    Arrays.fill(y, 0, rows * f, 0f);
    for (int m = 0; m < abc.weightBases(); m++) {
      for (int k = 0; k < abc.activationBases(); k++) {
        kernel.gemm(windows[k], 0, rows, st.binaryWeights(), m * f * words, f, words, patch, dots, 0, f);
        int[] corr = correction == null ? null : correction[m];
        for (int i = 0, end = rows * f; i < end; i++) {
          products[i] = corr == null ? dots[i] : dots[i] + corr[i % corr.length];
        }
        AbcLayer.accumulate(y, abc.alphas()[m] * abc.betas()[k], products, rows * f);
      }
    }
    epilogue.floats(y, n, out, 0);
  }
}
