package org.bnnspark.nn;

import java.io.Serializable;

/**
 * Where a square {@code kernel × kernel} window with {@code stride} and zero {@code padding} reads
 * a channels-last input: the one definition the training graph's im2col, its transpose and the
 * packed model's bit-im2col share.
 *
 * <p>Column layout: output position {@code p = oy·outWidth + ox} of example {@code r} is row
 * {@code r·positions + p} of the column matrix; its {@code kernel²·channels} values are the window's
 * pixels in row-major order, each pixel's channels contiguous — the same order as a filter's
 * weights {@code [ky][kx][c]}. Taps outside the image (padding) are exact zeros.
 */
public record ConvGeometry(Shape input, int kernel, int stride, int padding) implements Serializable {
  public ConvGeometry {
    if (kernel <= 0 || stride <= 0 || padding < 0) {
      throw new IllegalArgumentException("kernel and stride must be positive and padding non-negative");
    }
    if (input.height() + 2 * padding < kernel || input.width() + 2 * padding < kernel) {
      throw new IllegalArgumentException("a " + kernel + "×" + kernel + " window does not fit a " + input + " input with padding " + padding);
    }
  }

  public int outHeight() {
    return (input.height() + 2 * padding - kernel) / stride + 1;
  }

  public int outWidth() {
    return (input.width() + 2 * padding - kernel) / stride + 1;
  }

  /** Output positions per example. */
  public int positions() {
    return outHeight() * outWidth();
  }

  /** Values per column-matrix row: {@code kernel² · channels}. */
  public int patchSize() {
    return kernel * kernel * input.channels();
  }

  /** The input row of window tap {@code ky} for output row {@code oy} (outside [0, height) in the padding). */
  public int inputRow(int oy, int ky) {
    return oy * stride - padding + ky;
  }

  public int inputColumn(int ox, int kx) {
    return ox * stride - padding + kx;
  }

  /** Whether the tap lies inside the image. */
  public boolean inside(int iy, int ix) {
    return iy >= 0 && iy < input.height() && ix >= 0 && ix < input.width();
  }

  /** {@code System.arraycopy}, whose call costs more than a loop for a pixel of a few channels (a first layer's 1 or 3). */
  private static void copy(float[] src, int from, float[] dst, int to, int count) {
    if (count < 16) {
      for (int i = 0; i < count; i++) {
        dst[to + i] = src[from + i];
      }
    } else {
      System.arraycopy(src, from, dst, to, count);
    }
  }

  /** {@code cols (n·positions × patchSize)} from {@code x (n × input.size())}; padding taps are 0. */
  public void im2col(float[] x, int n, float[] cols) {
    im2col(x, 0, n, cols);
  }

  /** {@link #im2col(float[], int, float[])} of images {@code [first, first + n)} of {@code x}, into {@code cols} from row 0. */
  public void im2col(float[] x, int first, int n, float[] cols) {
    int c = input.channels();
    int oh = outHeight();
    int ow = outWidth();
    int patch = patchSize();
    int run = kernel * c; // a window row inside the image: kernel pixels side by side, contiguous channels-last
    for (int r = 0; r < n; r++) {
      int image = (first + r) * input.size();
      for (int oy = 0; oy < oh; oy++) {
        for (int ox = 0; ox < ow; ox++) {
          int dst = ((r * oh + oy) * ow + ox) * patch;
          int ix0 = inputColumn(ox, 0);
          if (ix0 >= 0 && ix0 + kernel <= input.width()) { // no padding across the window's columns
            for (int ky = 0; ky < kernel; ky++, dst += run) {
              int iy = inputRow(oy, ky);
              if (iy >= 0 && iy < input.height()) {
                copy(x, image + (iy * input.width() + ix0) * c, cols, dst, run);
              } else {
                java.util.Arrays.fill(cols, dst, dst + run, 0f);
              }
            }
            continue;
          }
          for (int ky = 0; ky < kernel; ky++) {
            int iy = inputRow(oy, ky);
            for (int kx = 0; kx < kernel; kx++, dst += c) {
              int ix = inputColumn(ox, kx);
              if (inside(iy, ix)) {
                copy(x, image + (iy * input.width() + ix) * c, cols, dst, c);
              } else {
                java.util.Arrays.fill(cols, dst, dst + c, 0f);
              }
            }
          }
        }
      }
    }
  }

  /**
   * The convolution's float product, image by image, without im2col's column matrix — bit for bit
   * what a {@link FloatGemm} gives on {@link #im2col}'s rows. One per thread (it keeps a padded copy
   * of the image).
   *
   * <p>Why it is the same: every product value is one FMA chain over the patch in its order
   * {@code (ky, kx, c)}, from 0 ({@link FloatGemm}). With the image copied into a zero border of
   * {@code padding} (the exact zeros im2col writes for padding taps), window tap {@code p} of output
   * position {@code i} is the value at {@code corner(i) + tap(p)} of the copy, {@code corner(i)} the
   * window's top-left pixel and {@code tap(p) = (ky·paddedWidth + kx)·channels + c}. So the column
   * matrix is the view {@code A(i, p) = padded[corner(i) + tap(p)]} that the GEMM reads through
   * offsets ({@link FloatGemm#gemm(int, int, int, float[], int[], int[], float[], int, int, boolean,
   * float[], int, int)}): the same values, in the same order, in every chain.
   */
  public final class DirectProduct {
    private final float[] padded;
    private final int[] corners = new int[positions()];
    private final int[] taps = new int[patchSize()];
    private final int[] imageTaps = new int[patchSize()];

    public DirectProduct() {
      int c = input.channels();
      int width = input.width() + 2 * padding;
      padded = padding == 0 ? null : new float[(input.height() + 2 * padding) * width * c];
      for (int oy = 0, i = 0; oy < outHeight(); oy++) {
        for (int ox = 0; ox < outWidth(); ox++, i++) {
          corners[i] = (oy * stride * width + ox * stride) * c;
        }
      }
      for (int ky = 0, p = 0; ky < kernel; ky++) {
        for (int kx = 0; kx < kernel; kx++) {
          for (int ch = 0; ch < c; ch++, p++) {
            taps[p] = (ky * width + kx) * c + ch;
          }
        }
      }
    }

    /**
     * Image {@code image} of {@code x} times the filters {@code wT} ({@code patchSize × features},
     * a filter per column) into {@code y} from {@code yOff} ({@code positions × features}).
     */
    public void product(FloatGemm gemm, float[] x, int image, float[] wT, int features, float[] y, int yOff) {
      float[] src = x;
      int base = image * input.size(); // unpadded, the image's windows are the first image's shifted by this
      if (padded != null) {
        int c = input.channels();
        int width = input.width() + 2 * padding;
        int row = input.width() * c;
        for (int iy = 0; iy < input.height(); iy++) { // the border stays zero
          System.arraycopy(x, base + iy * row, padded, ((iy + padding) * width + padding) * c, row);
        }
        src = padded;
        base = 0;
      }
      for (int p = 0; p < taps.length; p++) { // the shift goes on the taps: fewer than the positions
        imageTaps[p] = taps[p] + base;
      }
      gemm.gemm(positions(), features, patchSize(), src, corners, imageTaps, wT, 0, features, false, y, yOff, features);
    }
  }

  /** The transpose of {@link #im2col}: {@code dx (n × input.size())} = the sum of each value's column entries; padding taps are dropped. */
  public void col2im(float[] cols, int n, float[] dx) {
    col2im(cols, 0, n, dx);
  }

  /** {@link #col2im(float[], int, float[])} of the column matrix starting at {@code cols[colsOff]}. */
  public void col2im(float[] cols, int colsOff, int n, float[] dx) {
    int c = input.channels();
    int oh = outHeight();
    int ow = outWidth();
    int patch = patchSize();
    java.util.Arrays.fill(dx, 0, n * input.size(), 0f);
    for (int r = 0; r < n; r++) {
      int image = r * input.size();
      for (int oy = 0; oy < oh; oy++) {
        for (int ox = 0; ox < ow; ox++) {
          int src = colsOff + ((r * oh + oy) * ow + ox) * patch;
          for (int ky = 0; ky < kernel; ky++) {
            int iy = inputRow(oy, ky);
            for (int kx = 0; kx < kernel; kx++, src += c) {
              int ix = inputColumn(ox, kx);
              if (inside(iy, ix)) {
                int d = image + (iy * input.width() + ix) * c;
                for (int k = 0; k < c; k++) {
                  dx[d + k] += cols[src + k];
                }
              }
            }
          }
        }
      }
    }
  }
}
