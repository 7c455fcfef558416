package org.bnnspark.inference;

import org.bnnspark.inference.PackedModel.Representation;
import org.bnnspark.nn.ConvGeometry;
import org.bnnspark.nn.Dense;

/**
 * A stage in the training graph's own float arithmetic: (im2col and) the float product
 * {@link Dense#product} with the weights transposed once, then the {@link Epilogue}. Real weights,
 * binary weights on real inputs, and pointwise-only stages run here.
 */
final class FloatOp extends StageOp {
  private final float[] weightsT;
  private final Epilogue epilogue;
  private float[] unpacked = new float[0];
  private float[] windows = new float[0];
  private float[] product = new float[0];

  FloatOp(PackedStage st, Representation input) {
    super(st, input);
    epilogue = new Epilogue(st);
    float[] w = switch (st.linear()) {
      case REAL -> st.realWeights();
      case BINARY -> unpackRows(st.binaryWeights(), st.features(), st.patch());
      default -> null;
    };
    if (w != null) {
      weightsT = new float[w.length];
      Dense.transpose(w, 0, st.features(), st.patch(), weightsT);
    } else {
      weightsT = null;
    }
  }

  private static float[] unpackRows(long[] packed, int rows, int cols) {
    float[] w = new float[rows * cols];
    Activations.unpack(packed, cols, rows, w);
    return w;
  }

  @Override
  void allocate(int n) {
    epilogue.allocateOutput(out, n);
    unpacked = input == Representation.BITS ? new float[n * st.in()] : unpacked;
    windows = st.conv() != null ? new float[n * st.conv().positions() * st.patch()] : windows;
    product = new float[n * st.productShape().size()];
  }

  @Override
  void compute(Activations in, int n) {
    float[] x = floatsOf(in, n, unpacked);
    if (weightsT == null) {
      System.arraycopy(x, 0, product, 0, n * st.in());
    } else if (st.conv() != null) {
      ConvGeometry g = st.conv();
      g.im2col(x, n, windows);
      Dense.product(windows, n * g.positions(), g.patchSize(), weightsT, st.features(), product);
    } else {
      Dense.product(x, n, st.in(), weightsT, st.features(), product);
    }
    epilogue.floats(product, n, out, 0);
  }
}
