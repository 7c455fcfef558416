package org.bnnspark.nn;

/**
 * Binary activation {@code y = Q(x)} with the straight-through estimator {@code dx = dy · Q'(x)}
 * ({@code Q = sign}, {@code Q' = 1{|x| ≤ 1}} for {@code ste_sign}). Its output is ±1, so a following
 * {@link BinaryDense} computes an exact integer XNOR-popcount.
 */
public final class SignActivation extends Layer {
  private final Quantizer quantizer;

  public SignActivation(int size, Quantizer quantizer) {
    this(Shape.flat(size), quantizer);
  }

  public SignActivation(Shape shape, Quantizer quantizer) {
    super(shape, shape);
    this.quantizer = quantizer;
  }

  public Quantizer quantizer() {
    return quantizer;
  }

  @Override
  public void forward(Context ctx, float[] x, float[] y, int n) {
    for (int i = 0, end = n * outSize; i < end; i++) {
      y[i] = quantizer.forward(x[i]);
    }
  }

  @Override
  public void backward(Context ctx, float[] x, float[] y, float[] dy, float[] dx, int n) {
    if (dx == null) {
      return;
    }
    for (int i = 0, end = n * outSize; i < end; i++) {
      dx[i] = dy[i] * quantizer.gradient(x[i]);
    }
  }

  @Override
  public String describe() {
    return "Sign(" + outSize + ", " + quantizer.configName() + ")";
  }
}
