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
    for (int trial = 0; trial < 40 + boundaries.length; trial++) {
      int m = 1 + rng.nextInt(11);
      int n = trial < boundaries.length ? boundaries[trial] : 1 + rng.nextInt(70);
      int k = 1 + rng.nextInt(90);
      boolean transposedA = rng.nextBoolean();
      boolean accumulate = rng.nextBoolean();
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
}
