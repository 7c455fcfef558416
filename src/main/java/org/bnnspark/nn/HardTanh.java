package org.bnnspark.nn;

/** {@code y = clip(x, −1, 1)}; {@code dx = dy · 1{|x| ≤ 1}}. */
public final class HardTanh extends Layer {
  public HardTanh(int size) {
    this(Shape.flat(size));
  }

  public HardTanh(Shape shape) {
    super(shape, shape);
  }

  @Override
  public void forward(Context ctx, float[] x, float[] y, int n) {
    for (int i = 0, end = n * outSize; i < end; i++) {
      y[i] = apply(x[i]);
    }
  }

  /** {@code clip(v, −1, 1)}: the one definition the training graph and the packed model share. */
  public static float apply(float v) {
    return v > 1f ? 1f : (v < -1f ? -1f : v);
  }

  @Override
  public void backward(Context ctx, float[] x, float[] y, float[] dy, float[] dx, int n) {
    if (dx == null) {
      return;
    }
    for (int i = 0, end = n * outSize; i < end; i++) {
      dx[i] = Math.abs(x[i]) <= 1f ? dy[i] : 0f;
    }
  }

  @Override
  public String describe() {
    return "HardTanh(" + outSize + ")";
  }
}
