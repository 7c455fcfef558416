package org.bnnspark.nn;

/**
 * ReActNet's RPReLU (Liu et al. 2020): a PReLU moved by learned per-channel shifts,
 * <pre>
 *   y = x − γ + β            if x > γ
 *   y = ζ · (x − γ) + β      otherwise
 * </pre>
 * with {@code γ} (the kink), {@code ζ} (the slope below it, initially 0.25 as in PReLU) and {@code β}
 * learned per channel. Parameters {@code [γ, ζ, β]}, each {@code channels} long. The packed model
 * evaluates {@link #apply}; while every ζ ≥ 0 the function is monotone and folds into the next sign's
 * integer threshold, otherwise that stage runs in float.
 */
public final class RPRelu extends Layer {
  private final int channels;

  public RPRelu(Shape shape) {
    super(shape, shape);
    this.channels = shape.channels();
  }

  @Override
  public int paramCount() {
    return 3 * channels;
  }

  @Override
  public void initParams(float[] params, java.util.SplittableRandom rng) {
    java.util.Arrays.fill(params, paramOffset + channels, paramOffset + 2 * channels, 0.25f);
  }

  /** The function for one value: shared with the packed model. */
  public static float apply(float x, float gamma, float zeta, float beta) {
    float d = x - gamma;
    return (d > 0f ? d : zeta * d) + beta;
  }

  @Override
  public void forward(Context ctx, float[] x, float[] y, int n) {
    float[] p = ctx.params;
    for (int i = 0, end = n * outSize; i < end; i++) {
      int j = paramOffset + i % channels;
      y[i] = apply(x[i], p[j], p[j + channels], p[j + 2 * channels]);
    }
  }

  @Override
  public void backward(Context ctx, float[] x, float[] y, float[] dy, float[] dx, int n) {
    float[] p = ctx.params;
    float[] g = ctx.grad;
    for (int i = 0, end = n * outSize; i < end; i++) {
      int j = paramOffset + i % channels;
      float d = x[i] - p[j];
      float slope = d > 0f ? 1f : p[j + channels];
      g[j] -= dy[i] * slope;
      if (d <= 0f) {
        g[j + channels] += dy[i] * d;
      }
      g[j + 2 * channels] += dy[i];
      if (dx != null) {
        dx[i] = dy[i] * slope;
      }
    }
  }

  /** {@code [γ, ζ, β]} per channel (what the packed model stores). */
  private float[][] parameters(float[] params) {
    return new float[][] {java.util.Arrays.copyOfRange(params, paramOffset, paramOffset + channels),
        java.util.Arrays.copyOfRange(params, paramOffset + channels, paramOffset + 2 * channels),
        java.util.Arrays.copyOfRange(params, paramOffset + 2 * channels, paramOffset + 3 * channels)};
  }

  @Override
  public Lowering lower(float[] params, float[] state) {
    return new Lowering.Op(Lowering.OpKind.RPRELU, parameters(params));
  }

  @Override
  public String describe() {
    return "RPReLU(" + outShape + ")";
  }
}
