package org.bnnspark.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Adam and AdaMax against the textbook update of Kingma &amp; Ba in double precision (the fused
 * float loop folds the bias corrections into the step and ε, so it agrees to float rounding, not
 * bit for bit), and the fused loop against the per-element update Bop uses (bit for bit).
 */
class AdamTest {
  private static final double B1 = 0.9;
  private static final double B2 = 0.999;
  private static final double EPS = 1e-8;

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void followsTheTextbookUpdateOnGradientSums(boolean adamax) {
    int n = 1031; // not a multiple of any vector width
    SplittableRandom r = new SplittableRandom(5);
    float[] w = new float[n];
    double[] rw = new double[n];
    double[] rm = new double[n];
    double[] rv = new double[n];
    for (int i = 0; i < n; i++) {
      w[i] = (float) r.nextDouble(-1, 1);
      rw[i] = w[i];
    }
    Adam adam = new Adam(n, adamax, (float) B1, (float) B2, (float) EPS);
    for (int t = 1; t <= 40; t++) {
      int count = 1 + r.nextInt(60);
      float lr = 0.01f / t;
      float[] sums = new float[n];
      for (int i = 0; i < n; i++) {
        // mostly ordinary gradients, some tiny (ε matters), some zero
        double scale = i % 7 == 0 ? 1e-9 : i % 11 == 0 ? 0 : 1;
        sums[i] = (float) (r.nextDouble(-1, 1) * count * scale);
      }
      adam.stepOnSums(w, sums, count, lr);
      for (int i = 0; i < n; i++) {
        double g = (double) sums[i] / count;
        rm[i] = B1 * rm[i] + (1 - B1) * g;
        double denom;
        if (adamax) {
          rv[i] = Math.max(B2 * rv[i], Math.abs(g));
          denom = rv[i] + EPS;
        } else {
          rv[i] = B2 * rv[i] + (1 - B2) * g * g;
          denom = Math.sqrt(rv[i] / (1 - Math.pow(B2, t))) + EPS;
        }
        rw[i] -= lr * (rm[i] / (1 - Math.pow(B1, t))) / denom;
      }
    }
    for (int i = 0; i < n; i++) {
      // forty steps of about lr each: the float state drifts by a few ulps of the step per step
      assertEquals(rw[i], w[i], 2e-6, "parameter " + i);
    }
    assertEquals(40, adam.steps());
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void fusedLoopEqualsThePerElementUpdate(boolean adamax) {
    int n = 77;
    SplittableRandom r = new SplittableRandom(9);
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) r.nextDouble(-1, 1);
    }
    float[] b = a.clone();
    Adam fused = new Adam(n, adamax, 0.9f, 0.999f, 1e-8f);
    Adam single = new Adam(n, adamax, 0.9f, 0.999f, 1e-8f);
    for (int t = 0; t < 5; t++) {
      float[] g = new float[n];
      for (int i = 0; i < n; i++) {
        g[i] = (float) r.nextDouble(-2, 2);
      }
      fused.step(a, g, 0.003f);
      single.beginStep();
      for (int i = 0; i < n; i++) {
        single.update(b, g, i, 0.003f);
      }
    }
    assertArrayEquals(b, a);
  }
}
