package org.bnnspark.nn;

/**
 * {@code y = x + b} with a learned per-feature shift {@code b} (initially 0). Before a {@code sign}
 * it is ReActNet's RSign (Liu et al. 2020): {@code sign(x − α)} with a learnable threshold per
 * channel ({@code α = −b}). The packed model folds it into the next sign's integer threshold. On an
 * image the shift is per channel.
 */
public final class Shift extends Layer {
  public Shift(int size) {
    this(Shape.flat(size));
  }

  public Shift(Shape shape) {
    super(shape, shape);
  }

  @Override
  public int paramCount() {
    return outShape.channels();
  }

  @Override
  public void forward(Context ctx, float[] x, float[] y, int n) {
    float[] p = ctx.params;
    int c = outShape.channels();
    for (int r = 0, rows = n * outShape.positions(); r < rows; r++) {
      int row = r * c;
      for (int j = 0; j < c; j++) {
        y[row + j] = x[row + j] + p[paramOffset + j];
      }
    }
  }

  @Override
  public void backward(Context ctx, float[] x, float[] y, float[] dy, float[] dx, int n) {
    float[] g = ctx.grad;
    int c = outShape.channels();
    for (int r = 0, rows = n * outShape.positions(); r < rows; r++) {
      int row = r * c;
      for (int j = 0; j < c; j++) {
        g[paramOffset + j] += dy[row + j];
      }
    }
    if (dx != null) {
      System.arraycopy(dy, 0, dx, 0, n * outSize);
    }
  }

  /** The learned shifts (what the packed model adds). */
  private float[] shifts(float[] params) {
    return java.util.Arrays.copyOfRange(params, paramOffset, paramOffset + outShape.channels());
  }

  @Override
  public Lowering lower(float[] params, float[] state) {
    return new Lowering.Op(Lowering.OpKind.ADD_BIAS, new float[][] {shifts(params)});
  }

  @Override
  public String describe() {
    return "Shift(" + outShape + ")";
  }
}
