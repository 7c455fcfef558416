package org.bnnspark.train;

import java.util.SplittableRandom;

/**
 * A generated classification problem for tests and benchmarks: each class has a random ±1
 * prototype over the features; an example is its class prototype with each feature flipped with
 * probability {@code noise} plus uniform jitter (not Gaussian: {@code nextGaussian} changed between
 * JDKs, and the generated data must be the same on 17, 21 and 25). Learnable by a small BNN, not trivially by chance.
 */
public final class SyntheticData {
  private SyntheticData() {}

  public static RowBlock prototypes(int rows, int features, int classes, double noise, long seed) {
    SplittableRandom protoRng = new SplittableRandom(seed);
    float[][] proto = new float[classes][features];
    for (float[] p : proto) {
      for (int j = 0; j < features; j++) {
        p[j] = protoRng.nextBoolean() ? 1f : -1f;
      }
    }
    SplittableRandom rng = new SplittableRandom(seed ^ 0x5DEECE66DL);
    float[] x = new float[rows * features];
    int[] y = new int[rows];
    for (int r = 0; r < rows; r++) {
      int c = rng.nextInt(classes);
      y[r] = c;
      for (int j = 0; j < features; j++) {
        float v = proto[c][j] * (rng.nextDouble() < noise ? -1f : 1f);
        x[r * features + j] = (float) (0.7 * v + 0.5 * (2 * rng.nextDouble() - 1));
      }
    }
    return new RowBlock(rows, features, x, y);
  }

  /** Splits a block into {@code parts} contiguous blocks of nearly equal size. */
  public static java.util.List<RowBlock> split(RowBlock b, int parts) {
    java.util.List<RowBlock> out = new java.util.ArrayList<>();
    for (int k = 0; k < parts; k++) {
      int from = (int) ((long) k * b.rows / parts);
      int to = (int) ((long) (k + 1) * b.rows / parts);
      out.add(slice(b, from, to));
    }
    return out;
  }

  public static RowBlock slice(RowBlock b, int from, int to) {
    float[] x = java.util.Arrays.copyOfRange(b.x, from * b.features, to * b.features);
    int[] y = java.util.Arrays.copyOfRange(b.labels, from, to);
    return new RowBlock(to - from, b.features, x, y);
  }
}
