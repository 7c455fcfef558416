package org.bnnspark.nn;

import java.io.Serializable;

/**
 * The shape of one example as it flows between layers: {@code height × width × channels}, stored
 * channels-last (NHWC), so a flat row of {@code size()} values is the example and a plain feature
 * vector is the shape {@code 1 × 1 × n}. Channels-last keeps each pixel's channels contiguous: a
 * convolution's im2col row is a run of whole pixels, per-channel operations (BatchNorm, shift) are
 * per-feature operations over {@code n·height·width} rows, and flattening is free.
 */
public record Shape(int height, int width, int channels) implements Serializable {
  public Shape {
    if (height <= 0 || width <= 0 || channels <= 0) {
      throw new IllegalArgumentException("shape dimensions must be positive, got " + height + "×" + width + "×" + channels);
    }
  }

  /** A feature vector of {@code n} values. */
  public static Shape flat(int n) {
    return new Shape(1, 1, n);
  }

  /** Values per example. */
  public int size() {
    return height * width * channels;
  }

  /** Spatial positions per example ({@code height · width}). */
  public int positions() {
    return height * width;
  }

  /** Whether this is a plain feature vector (no spatial extent). */
  public boolean isFlat() {
    return height == 1 && width == 1;
  }

  @Override
  public String toString() {
    return isFlat() ? Integer.toString(channels) : height + "×" + width + "×" + channels;
  }
}
