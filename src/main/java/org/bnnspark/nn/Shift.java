package org.bnnspark.nn;

/**
 * {@code y = x + b} with a learned per-feature shift {@code b} (initially 0). Before a {@code sign}
 * it is ReActNet's RSign (Liu et al. 2020): {@code sign(x − α)} with a learnable threshold per
 * channel ({@code α = −b}). The packed model folds it into the next sign's integer threshold.
 */
public final class Shift extends Layer {
  public Shift(int size) {
    super(size, size);
  }

  @Override
  public int paramCount() {
    return outSize;
  }

  @Override
  public void forward(Context ctx, float[] x, float[] y, int n) {
    float[] p = ctx.params;
    for (int r = 0; r < n; r++) {
      int row = r * outSize;
      for (int j = 0; j < outSize; j++) {
        y[row + j] = x[row + j] + p[paramOffset + j];
      }
    }
  }

  @Override
  public void backward(Context ctx, float[] x, float[] y, float[] dy, float[] dx, int n) {
    float[] g = ctx.grad;
    for (int r = 0; r < n; r++) {
      int row = r * outSize;
      for (int j = 0; j < outSize; j++) {
        g[paramOffset + j] += dy[row + j];
      }
    }
    if (dx != null) {
      System.arraycopy(dy, 0, dx, 0, n * outSize);
    }
  }

  /** The learned shifts (what the packed model adds). */
  public float[] shifts(float[] params) {
    return java.util.Arrays.copyOfRange(params, paramOffset, paramOffset + outSize);
  }

  @Override
  public String describe() {
    return "Shift(" + outSize + ")";
  }
}
