package org.bnnspark.inference;

import org.bnnspark.inference.PackedModel.Representation;
import org.bnnspark.nn.ConvGeometry;
import org.bnnspark.nn.Dense;

/**
 * A stage in the training graph's own float arithmetic: (im2col and) the float product
 * {@link Dense#product} with the weights transposed once, then the {@link Epilogue}. Real weights,
 * binary weights on real inputs, and pointwise-only stages run here. A convolution runs
 * {@value #IMAGES} images at a time, so that its windows and products stay in cache; every product
 * value is still the GEMM's one FMA chain over its window, whatever rows it is computed with.
 */
final class FloatOp extends StageOp {
  /** Images per chunk of a convolution. */
  static final int IMAGES = 16;
  private final float[] weightsT;
  private final Epilogue epilogue;
  private float[] unpacked = new float[0];
  private float[] windows = new float[0];
  private float[] product = new float[0];

  /** {@code w}: the stage's {@code features × patch} weights, row-major, or null (operations only). */
  FloatOp(PackedStage st, Representation input, float[] w) {
    super(st, input);
    epilogue = new Epilogue(st);
    if (w != null) {
      weightsT = new float[w.length];
      Dense.transpose(w, 0, st.features(), st.patch(), weightsT);
    } else {
      weightsT = null;
    }
  }

  @Override
  void allocate(int n) {
    epilogue.allocateOutput(out, n);
    unpacked = input == Representation.BITS ? new float[n * st.in()] : unpacked;
    int rows = st.conv() != null ? Math.min(n, IMAGES) : n;
    windows = st.conv() != null ? new float[rows * st.conv().positions() * st.patch()] : windows;
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
        g.im2col(x, first, count, windows);
        Dense.product(windows, count * g.positions(), g.patchSize(), weightsT, st.features(), product);
        epilogue.floats(product, count, out, first);
      }
      return;
    } else {
      Dense.product(x, n, st.in(), weightsT, st.features(), product);
    }
    epilogue.floats(product, n, out, 0);
  }
}
