package org.bnnspark.nn;

/**
 * {@code y = tanh(x)}; {@code dx = dy · (1 − y²)}. The activation of the real-valued first stage of
 * Bitwise Neural Networks (Kim &amp; Smaragdis 2016), whose second stage replaces it by a sign.
 */
public final class Tanh extends Layer {
  public Tanh(Shape shape) {
    super(shape, shape);
  }

  /** The function for one value: shared with the packed model. */
  public static float apply(float v) {
    return (float) Math.tanh(v);
  }

  @Override
  public void forward(Context ctx, float[] x, float[] y, int n) {
    for (int i = 0, end = n * outSize; i < end; i++) {
      y[i] = apply(x[i]);
    }
  }

  @Override
  public void backward(Context ctx, float[] x, float[] y, float[] dy, float[] dx, int n) {
    if (dx == null) {
      return;
    }
    for (int i = 0, end = n * outSize; i < end; i++) {
      dx[i] = dy[i] * (1f - y[i] * y[i]);
    }
  }

  @Override
  public String describe() {
    return "Tanh(" + outShape + ")";
  }
}
