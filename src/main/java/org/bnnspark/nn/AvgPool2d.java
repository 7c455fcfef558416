package org.bnnspark.nn;

/**
 * Average pooling over {@code poolHeight × poolWidth} windows with {@code stride}, per channel of a
 * channels-last image: {@code y = (Σ_window x) / (poolHeight·poolWidth)}, the window summed row by
 * row in a fixed order. Global average pooling (Bi-Real Net, ReActNet: the image's features before
 * the classifier) is the window of the whole image: one value per channel.
 *
 * <p>Backward: every input in a window receives {@code dy / (poolHeight·poolWidth)} of each window
 * that holds it (overlapping windows add up).
 *
 * <p>A packed model runs this layer as the training graph does: its inputs and outputs are real.
 */
public final class AvgPool2d extends Layer {
  private final int poolHeight;
  private final int poolWidth;
  private final int stride;

  public AvgPool2d(Shape in, int poolHeight, int poolWidth, int stride) {
    super(in, outputShape(in, poolHeight, poolWidth, stride));
    this.poolHeight = poolHeight;
    this.poolWidth = poolWidth;
    this.stride = stride;
  }

  private static Shape outputShape(Shape in, int poolHeight, int poolWidth, int stride) {
    if (in.isFlat()) {
      throw new IllegalArgumentException("average pooling takes an image but receives a feature vector of " + in.size());
    }
    if (poolHeight <= 0 || poolWidth <= 0 || stride <= 0 || in.height() < poolHeight || in.width() < poolWidth) {
      throw new IllegalArgumentException("a " + poolHeight + "×" + poolWidth + " pool does not fit " + in);
    }
    return new Shape((in.height() - poolHeight) / stride + 1, (in.width() - poolWidth) / stride + 1, in.channels());
  }

  @Override
  public void forward(Context ctx, float[] x, float[] y, int n) {
    int c = inShape.channels();
    float count = poolHeight * poolWidth;
    for (int r = 0, o = 0; r < n; r++) {
      int image = r * inSize;
      for (int oy = 0; oy < outShape.height(); oy++) {
        for (int ox = 0; ox < outShape.width(); ox++, o += c) {
          java.util.Arrays.fill(y, o, o + c, 0f);
          for (int py = 0; py < poolHeight; py++) {
            for (int px = 0; px < poolWidth; px++) {
              int tap = image + ((oy * stride + py) * inShape.width() + ox * stride + px) * c;
              for (int k = 0; k < c; k++) {
                y[o + k] += x[tap + k];
              }
            }
          }
          for (int k = 0; k < c; k++) {
            y[o + k] /= count;
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
    int c = inShape.channels();
    float count = poolHeight * poolWidth;
    java.util.Arrays.fill(dx, 0, n * inSize, 0f);
    for (int r = 0, o = 0; r < n; r++) {
      int image = r * inSize;
      for (int oy = 0; oy < outShape.height(); oy++) {
        for (int ox = 0; ox < outShape.width(); ox++, o += c) {
          for (int py = 0; py < poolHeight; py++) {
            for (int px = 0; px < poolWidth; px++) {
              int tap = image + ((oy * stride + py) * inShape.width() + ox * stride + px) * c;
              for (int k = 0; k < c; k++) {
                dx[tap + k] += dy[o + k] / count;
              }
            }
          }
        }
      }
    }
  }

  @Override
  public String describe() {
    boolean global = outShape.height() == 1 && outShape.width() == 1 && poolHeight == inShape.height() && poolWidth == inShape.width();
    return (global ? "GlobalAvgPool(" : "AvgPool2d(" + poolHeight + "×" + poolWidth + "/" + stride + ", ") + inShape + "→" + outShape + ")";
  }
}
