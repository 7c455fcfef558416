package org.bnnspark.nn;

import java.util.SplittableRandom;

/**
 * Inverted dropout (Srivastava et al. 2014), as the BinaryNet MLPs use it: in training each value is
 * kept with probability {@code 1 − rate} and scaled by {@code 1 / (1 − rate)}, else zeroed; at
 * inference it is the identity (so the packed model leaves it out). The mask is drawn from the pass's
 * {@link Context#noiseSeed} and the layer's position: a retried Spark task draws the same mask.
 */
public final class Dropout extends Layer {
  private final float rate;
  private float[] mask = new float[0];

  public Dropout(int size, float rate) {
    this(Shape.flat(size), rate);
  }

  public Dropout(Shape shape, float rate) {
    super(shape, shape);
    this.rate = rate;
  }

  @Override
  public void forward(Context ctx, float[] x, float[] y, int n) {
    int len = n * outSize;
    if (!ctx.training) {
      System.arraycopy(x, 0, y, 0, len);
      return;
    }
    if (mask.length < len) {
      mask = new float[len];
    }
    float keep = 1f / (1f - rate);
    SplittableRandom rng = new SplittableRandom(ctx.noiseSeed + 0xD1B54A32D192ED03L * (position + 1L));
    for (int i = 0; i < len; i++) {
      mask[i] = rng.nextFloat() < rate ? 0f : keep;
      y[i] = x[i] * mask[i];
    }
  }

  @Override
  public void backward(Context ctx, float[] x, float[] y, float[] dy, float[] dx, int n) {
    if (dx == null) {
      return;
    }
    for (int i = 0, len = n * outSize; i < len; i++) {
      dx[i] = dy[i] * mask[i];
    }
  }

  /** The identity at inference. */
  @Override
  public Lowering lower(float[] params, float[] state) {
    return Lowering.IDENTITY;
  }

  @Override
  public String describe() {
    return "Dropout(" + outSize + ", " + rate + ")";
  }
}
