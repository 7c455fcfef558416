package org.bnnspark.nn;

/** {@code y = max(x, 0)}; {@code dx = dy · 1{x > 0}}. For float baselines. */
public final class Relu extends Layer {
  public Relu(int size) {
    this(Shape.flat(size));
  }

  public Relu(Shape shape) {
    super(shape, shape);
  }

  @Override
  public void forward(Context ctx, float[] x, float[] y, int n) {
    for (int i = 0, end = n * outSize; i < end; i++) {
      y[i] = apply(x[i]);
    }
  }

  /** {@code max(v, 0)}: shared with the packed model. */
  public static float apply(float v) {
    return Math.max(v, 0f);
  }

  @Override
  public void backward(Context ctx, float[] x, float[] y, float[] dy, float[] dx, int n) {
    if (dx == null) {
      return;
    }
    for (int i = 0, end = n * outSize; i < end; i++) {
      dx[i] = x[i] > 0f ? dy[i] : 0f;
    }
  }

  @Override
  public String describe() {
    return "ReLU(" + outSize + ")";
  }
}
