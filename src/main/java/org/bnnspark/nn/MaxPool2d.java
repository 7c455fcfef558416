package org.bnnspark.nn;

/**
 * Max pooling over {@code pool × pool} windows with a stride (no padding), per channel. Backward
 * routes each output's gradient to the input that was the maximum (the first one on ties, which on
 * ±1 inputs are common). On ±1 values the maximum is a logical OR of the bits, which is how the packed
 * model pools after a sign.
 */
public final class MaxPool2d extends Layer {
  private static final org.bnnspark.bits.WindowMax MAX = org.bnnspark.bits.WindowMax.best();
  private final int pool;
  private final int stride;
  private int[] argmax = new int[0];

  public MaxPool2d(Shape in, int pool, int stride) {
    super(in, outputShape(in, pool, stride));
    this.pool = pool;
    this.stride = stride;
  }

  private static Shape outputShape(Shape in, int pool, int stride) {
    if (pool <= 0 || stride <= 0 || in.height() < pool || in.width() < pool) {
      throw new IllegalArgumentException("a " + pool + "×" + pool + " pool does not fit a " + in + " input");
    }
    return new Shape((in.height() - pool) / stride + 1, (in.width() - pool) / stride + 1, in.channels());
  }

  @Override
  public Lowering lower(float[] params, float[] state) {
    return new Lowering.MaxPool(pool, stride);
  }

  @Override
  public void forward(Context ctx, float[] x, float[] y, int n) {
    if (argmax.length < n * outSize) {
      argmax = new int[n * outSize];
    }
    pool(inShape, outShape, pool, stride, x, y, argmax, n);
  }

  /**
   * {@code y = max} over each window, for {@code n} images of shape {@code in} (channels-last); the
   * index of each maximum into {@code argmax} unless it is null. The packed model pools its floats
   * through this same function.
   */
  public static void pool(Shape in, Shape out, int pool, int stride, float[] x, float[] y, int[] argmax, int n) {
    // per window its taps in row-major order, each a run of a pixel's channels (channels-last); the
    // comparison v > max tap by tap, so the first maximum wins (and NaN or −0 behave) as they always did
    int c = in.channels();
    int[] taps = new int[pool * pool];
    for (int py = 0, t = 0; py < pool; py++) {
      for (int px = 0; px < pool; px++, t++) {
        taps[t] = (py * in.width() + px) * c;
      }
    }
    int o = 0;
    for (int r = 0; r < n; r++) {
      int image = r * in.size();
      for (int oy = 0; oy < out.height(); oy++) {
        for (int ox = 0; ox < out.width(); ox++, o += c) {
          int first = image + ((oy * stride) * in.width() + ox * stride) * c;
          if (argmax == null) {
            MAX.maxOfWindow(x, first, taps, y, o, c);
          } else {
            MAX.argmaxOfWindow(x, first, taps, y, argmax, o, c);
          }
        }
      }
    }
  }

  @Override
  public void backward(Context ctx, float[] x, float[] y, float[] dy, float[] dx, int n) {
    if (dx == null) {
      return;
    }
    java.util.Arrays.fill(dx, 0, n * inSize, 0f);
    for (int o = 0, end = n * outSize; o < end; o++) {
      dx[argmax[o]] += dy[o];
    }
  }

  @Override
  public String describe() {
    return "MaxPool2d(" + inShape + "→" + outShape + ", " + pool + "×" + pool + "/" + stride + ")";
  }
}
