package org.bnnspark.inference;

import java.util.Arrays;
import org.bnnspark.bits.BinaryGemm;
import org.bnnspark.bits.BitPacking;
import org.bnnspark.inference.PackedModel.Representation;
import org.bnnspark.nn.AbcLayer;

/**
 * ABC-Net (Lin et al. 2017): the input's N activation bases as bit planes ({@code r + v_n ≥ 0.5}),
 * each through bit-im2col for a convolution ({@link WindowGather}), then every (weight base m,
 * activation base n) product by XNOR-popcount against base m's filters with their padding correction
 * ({@link BinaryFilters}), combined as the training graph does: {@code y += α_m β_n · z}, m outer, n
 * inner, through {@link AbcLayer#accumulate}; then the {@link Epilogue}. A convolution runs image by
 * image (its windows and dots stay in cache), a dense product the whole batch at once.
 */
final class AbcOp extends StageOp {
  private final StageProduct.Abc abc;
  private final WindowGather gather;
  /** Per weight base, its filters. */
  private final BinaryFilters[] bases;
  private final int positions;
  private final int inWords;
  private final Epilogue epilogue;
  private float[] unpacked = new float[0];
  private long[][] planes;
  private long[][] windows;
  private int[] dots = new int[0];
  private float[] products = new float[0];
  private float[] y = new float[0];

  AbcOp(PackedStage st, Representation input, BinaryGemm kernel, StageProduct.Abc abc) {
    super(st, input);
    this.abc = abc;
    this.gather = st.conv() != null ? new WindowGather(st.conv()) : null;
    int f = st.features();
    int words = BitPacking.words(st.patch());
    bases = new BinaryFilters[abc.weightBases()];
    for (int m = 0; m < bases.length; m++) {
      bases[m] = new BinaryFilters(kernel, abc.bases(), m * f * words, f, st.patch(), st.conv());
    }
    this.positions = st.productShape().positions();
    this.inWords = BitPacking.words(st.in());
    this.epilogue = new Epilogue(st);
  }

  /** Examples per chunk: one image for a convolution, the whole batch for a dense product. */
  private int chunk(int n) {
    return gather != null ? 1 : n;
  }

  @Override
  void allocate(int n) {
    epilogue.allocateOutput(out, n);
    unpacked = input == Representation.BITS ? new float[n * st.in()] : unpacked;
    int chunk = chunk(n);
    planes = new long[abc.activationBases()][chunk * inWords];
    windows = gather == null ? planes : new long[abc.activationBases()][positions * gather.words];
    int values = chunk * positions * st.features();
    dots = new int[values];
    products = new float[values];
    y = new float[values];
  }

  @Override
  void compute(Activations in, int n) {
    float[] x = floatsOf(in, n, unpacked);
    int chunk = chunk(n);
    int rows = chunk * positions;
    int values = rows * st.features();
    for (int first = 0; first < n; first += chunk) {
      for (int k = 0; k < abc.activationBases(); k++) {
        long[] plane = planes[k];
        Arrays.fill(plane, 0, chunk * inWords, 0L);
        float shift = abc.shifts()[k];
        for (int r = 0; r < chunk; r++) {
          for (int i = 0, at = (first + r) * st.in(); i < st.in(); i++) {
            if (AbcLayer.activationBit(x[at + i], shift)) {
              plane[r * inWords + (i >>> 6)] |= 1L << (i & 63);
            }
          }
        }
        if (gather != null) {
          gather.gather(plane, 0, windows[k], 0);
        }
      }
      Arrays.fill(y, 0, values, 0f);
      for (int m = 0; m < bases.length; m++) {
        for (int k = 0; k < abc.activationBases(); k++) {
          bases[m].dots(windows[k], rows, dots);
          for (int i = 0; i < values; i++) {
            products[i] = dots[i];
          }
          AbcLayer.accumulate(y, abc.alphas()[m] * abc.betas()[k], products, values);
        }
      }
      epilogue.floats(y, chunk, out, first);
    }
  }
}
