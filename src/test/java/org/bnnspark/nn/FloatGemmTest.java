package org.bnnspark.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class FloatGemmTest {
  private static float[] random(SplittableRandom rng, int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) (2 * rng.nextDouble() - 1);
    }
    return v;
  }

  @Test
  void vectorKernelIsBitIdenticalToThePortableChainsAndCloseToExactMaths() {
    FloatGemm vector = FloatGemm.vectorOrNull();
    assertNotNull(vector, "the tests run with jdk.incubator.vector; the vector kernel must load");
    SplittableRandom rng = new SplittableRandom(1);
    // the first trials put n at the vector and tile boundaries (8, 16 lanes; tiles of 2 vectors): the
    // masked edge panels must give the same chains as the scalar reference
    int[] boundaries = {1, 7, 8, 9, 15, 16, 17, 31, 32, 33, 47, 48, 49, 63, 64, 65, 784 % 64};
    // then sums around the kernel's block of p (partial sums parked in C between blocks) and row
    // counts past its tiles of 4 and 8 rows
    int[] sums = {1, VectorFloatGemm4x2.K_BLOCK - 1, VectorFloatGemm4x2.K_BLOCK, VectorFloatGemm4x2.K_BLOCK + 1,
        2 * VectorFloatGemm4x2.K_BLOCK + 7};
    // (each both fresh and accumulating, over a full column panel and a masked edge)
    for (int trial = 0; trial < 40 + boundaries.length + 2 * sums.length; trial++) {
      int extra = trial - 40 - boundaries.length;
      int m = extra >= 0 ? 1 + rng.nextInt(19) : 1 + rng.nextInt(11);
      int n = extra >= 0 ? 33 + rng.nextInt(30) : trial < boundaries.length ? boundaries[trial] : 1 + rng.nextInt(70);
      int k = extra >= 0 ? sums[extra % sums.length] : 1 + rng.nextInt(90);
      boolean transposedA = rng.nextBoolean();
      boolean accumulate = extra >= 0 ? extra >= sums.length : rng.nextBoolean();
      float[] a = random(rng, m * k);
      float[] b = random(rng, k * n);
      float[] c0 = random(rng, m * n);
      int aRow = transposedA ? 1 : k;
      int aCol = transposedA ? m : 1;
      float[] cv = c0.clone();
      float[] cp = c0.clone();
      vector.gemm(m, n, k, a, 0, aRow, aCol, b, 0, n, accumulate, cv, 0, n);
      FloatGemm.PORTABLE.gemm(m, n, k, a, 0, aRow, aCol, b, 0, n, accumulate, cp, 0, n);
      assertArrayEquals(cp, cv, "m=" + m + " n=" + n + " k=" + k + ": every element must be the same FMA chain");
      for (int i = 0; i < m; i++) {
        for (int j = 0; j < n; j++) {
          double exact = accumulate ? c0[i * n + j] : 0;
          for (int p = 0; p < k; p++) {
            exact += (double) a[i * aRow + p * aCol] * b[p * n + j];
          }
          assertEquals(exact, cv[i * n + j], 1e-5 * (k + 1));
        }
      }
    }
  }

  /**
   * A convolution's product read from the image in place ({@link ConvGeometry.DirectProduct}) is bit for bit
   * im2col + GEMM, on both kernels: kernels, strides, paddings (incl. windows wider than the
   * padding's reach), channel and filter counts at the vector boundaries, and the −0 and
   * denormal inputs an FMA chain must pass through the same way.
   */
  @Test
  void convolutionByWindowRowsEqualsIm2colGemm() {
    SplittableRandom rng = new SplittableRandom(7);
    int[] filters = {1, 5, 15, 16, 17, 32, 33};
    for (int trial = 0; trial < 60; trial++) {
      int kernel = 1 + rng.nextInt(5);
      int padding = rng.nextInt(kernel);
      int stride = 1 + rng.nextInt(3);
      int c = 1 + rng.nextInt(4);
      Shape in = new Shape(kernel + rng.nextInt(9), kernel + rng.nextInt(9), c);
      ConvGeometry g = new ConvGeometry(in, kernel, stride, padding);
      int f = trial < filters.length ? filters[trial] : 1 + rng.nextInt(40);
      int images = 3;
      float[] x = random(rng, images * in.size());
      for (int i = 0; i < x.length; i += 7) {
        x[i] = i % 2 == 0 ? -0f : Float.MIN_VALUE * (1 + i % 5);
      }
      float[] wT = random(rng, g.patchSize() * f);
      float[] cols = new float[images * g.positions() * g.patchSize()];
      g.im2col(x, images, cols);
      for (FloatGemm gemm : new FloatGemm[] {FloatGemm.PORTABLE, FloatGemm.best()}) {
        float[] expected = new float[images * g.positions() * f];
        gemm.gemm(images * g.positions(), f, g.patchSize(), cols, 0, g.patchSize(), 1, wT, 0, f, false, expected, 0, f);
        float[] actual = new float[expected.length];
        java.util.Arrays.fill(actual, Float.NaN); // every value must be written
        ConvGeometry.DirectProduct direct = g.new DirectProduct();
        for (int r = 0; r < images; r++) {
          direct.product(gemm, x, r, wT, f, actual, r * g.positions() * f);
        }
        assertArrayEquals(expected, actual, gemm.name() + " " + g + " filters " + f);
      }
    }
  }
}
