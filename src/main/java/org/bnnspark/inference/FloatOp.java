package org.bnnspark.inference;

import org.bnnspark.inference.PackedModel.Representation;
import org.bnnspark.nn.ConvGeometry;
import org.bnnspark.nn.Dense;
import org.bnnspark.nn.FloatGemm;

/**
 * A stage in the training graph's own float arithmetic: the float product {@link Dense#product}
 * with the weights transposed once, then the {@link Epilogue}. Real weights, binary weights on real
 * inputs, and pointwise-only stages run here. A convolution runs image by image through
 * {@link ConvGeometry.DirectProduct} — the graph's im2col + GEMM chains, bit for bit, without the column
 * matrix (a first layer's im2col of 1–3 channels cost more than its GEMM) — {@value #IMAGES} images
 * per epilogue, so that their products stay in cache.
 */
final class FloatOp extends StageOp {
  /** Images per chunk of a convolution. */
  static final int IMAGES = 16;
  private final float[] weightsT;
  private final Epilogue epilogue;
  private float[] unpacked = new float[0];
  private static final FloatGemm GEMM = FloatGemm.best();
  private final ConvGeometry.DirectProduct direct;
  private float[] product = new float[0];

  /** {@code w}: the stage's {@code features × patch} weights, row-major, or null (operations only). */
  FloatOp(PackedStage st, Representation input, float[] w) {
    super(st, input);
    epilogue = new Epilogue(st, bound(st, input, w));
    direct = st.conv() != null && w != null ? st.conv().new DirectProduct() : null;
    if (w != null) {
      weightsT = new float[w.length];
      Dense.transpose(w, 0, st.features(), st.patch(), weightsT);
    } else {
      weightsT = null;
    }
  }

  /**
   * How large the product can be: on bits (±1) or the input's levels (|x| ≤ 255/256), at most
   * {@code max_j Σ_p |w_jp|} (1 without weights), with room for the float sums' rounding; unbounded
   * on float inputs.
   */
  private static float bound(PackedStage st, Representation input, float[] w) {
    if (input == Representation.FLOAT) {
      return Float.POSITIVE_INFINITY;
    }
    if (w == null) {
      return 1f;
    }
    double max = 0;
    for (int j = 0; j < st.features(); j++) {
      double sum = 0;
      for (int p = 0; p < st.patch(); p++) {
        sum += Math.abs(w[j * st.patch() + p]);
      }
      max = Math.max(max, sum);
    }
    return (float) (max * (1 + 1e-6 * st.patch()) + 1e-30);
  }

  @Override
  String name() {
    return epilogue.foldsFloats() ? "FloatOp+thresholds" : "FloatOp";
  }

  @Override
  void allocate(int n) {
    epilogue.allocateOutput(out, n);
    unpacked = input == Representation.BITS ? new float[n * st.in()] : unpacked;
    int rows = st.conv() != null ? Math.min(n, IMAGES) : n;
    product = new float[rows * st.productShape().size()];
  }

  @Override
  void compute(Activations in, int n) {
    float[] x = floatsOf(in, n, unpacked);
    if (weightsT == null) {
      System.arraycopy(x, 0, product, 0, n * st.in());
    } else if (st.conv() != null) {
      ConvGeometry g = st.conv();
      for (int first = 0; first < n; first += IMAGES) {
        int count = Math.min(IMAGES, n - first);
        for (int r = 0; r < count; r++) {
          direct.product(GEMM, x, first + r, weightsT, st.features(), product, r * g.positions() * st.features());
        }
        epilogue.floats(product, count, out, first);
      }
      return;
    } else {
      Dense.product(x, n, st.in(), weightsT, st.features(), product);
    }
    epilogue.floats(product, n, out, 0);
  }
}
