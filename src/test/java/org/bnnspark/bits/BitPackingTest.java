package org.bnnspark.bits;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Binarizing and clipping latent weights (by vector where the JVM has it) against the scalar loops, at word boundaries. */
class BitPackingTest {
  private static final float[] SPECIAL = {0f, -0f, 1f, -1f, 1.5f, -1.5f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.POSITIVE_INFINITY,
      Float.NEGATIVE_INFINITY, Float.NaN, Float.intBitsToFloat(0xffc00000), Math.nextUp(1f), Math.nextDown(-1f)};

  private static float[] latent(SplittableRandom rng, int n, boolean specials) {
    float[] w = new float[n];
    for (int i = 0; i < n; i++) {
      w[i] = specials && rng.nextInt(5) == 0 ? SPECIAL[rng.nextInt(SPECIAL.length)] : (float) (rng.nextGaussian() * 0.8);
    }
    return w;
  }

  @Test
  void binarizeAndClipEqualTheScalarLoops() {
    SplittableRandom rng = new SplittableRandom(3);
    int[] sizes = {0, 1, 15, 16, 17, 63, 64, 65, 127, 128, 129, 784, 1000};
    for (int trial = 0; trial < 3 * sizes.length; trial++) {
      int n = sizes[trial % sizes.length];
      int off = rng.nextInt(5);
      boolean specials = trial >= sizes.length;
      float[] w = latent(rng, off + n, specials);
      if (trial >= 2 * sizes.length && n > 0) {
        w[off + rng.nextInt(n)] = Float.NaN; // a NaN anywhere makes the maximum NaN
      }
      float[] expected = new float[n];
      float expectedMax = 0f;
      for (int i = 0; i < n; i++) {
        expected[i] = Math.copySign(1f, w[off + i] + 0f);
        expectedMax = Math.max(expectedMax, Math.abs(w[off + i]));
      }
      float[] signs = new float[n];
      float max = BitPacking.binarize(w, off, n, signs, 0);
      assertArrayEquals(expected, signs, "signs of " + n + " weights");
      assertEquals(Float.floatToIntBits(expectedMax), Float.floatToIntBits(max), "max |w| of " + n + " weights");

      // as a matrix: rows of the signs, each packed into its own words as packRows does
      int rows = 1 + rng.nextInt(3);
      int cols = n / rows;
      float[] matrixSigns = new float[rows * cols];
      long[] packed = new long[rows * BitPacking.words(cols)];
      float matrixMax = BitPacking.binarizeRows(w, off, rows, cols, matrixSigns, packed);
      assertArrayEquals(java.util.Arrays.copyOf(expected, rows * cols), matrixSigns);
      assertArrayEquals(BitPacking.packRows(matrixSigns, rows, cols), packed, rows + " rows of " + cols);
      float rowsMax = 0f;
      for (int i = 0; i < rows * cols; i++) {
        rowsMax = Math.max(rowsMax, Math.abs(w[off + i]));
      }
      assertEquals(Float.floatToIntBits(rowsMax), Float.floatToIntBits(matrixMax));

      float[] clipped = w.clone();
      for (int i = off; i < off + n; i++) {
        clipped[i] = w[i] > 1f ? 1f : (w[i] < -1f ? -1f : w[i]);
      }
      BitPacking.clip(w, off, n);
      for (int i = 0; i < w.length; i++) {
        assertEquals(Float.floatToRawIntBits(clipped[i]), Float.floatToRawIntBits(w[i]), "clip at " + i + " of " + n);
      }
    }
  }

  /** The sign activation and its straight-through backward against the per-element definitions, bit for bit. */
  @Test
  void signActivationAndItsEstimatorEqualTheScalarDefinitions() {
    SplittableRandom rng = new SplittableRandom(4);
    for (int n : new int[] {0, 1, 15, 16, 17, 63, 64, 65, 127, 128, 129, 1000}) {
      float[] x = latent(rng, n, true);
      float[] dy = latent(rng, n, true);
      float[] y = new float[n];
      float[] dx = new float[n];
      BitPacking.signs(x, y, n);
      BitPacking.passInsideUnit(x, dy, dx, n);
      for (int i = 0; i < n; i++) {
        assertEquals(Float.floatToRawIntBits(x[i] >= 0f ? 1f : -1f), Float.floatToRawIntBits(y[i]), "sign of " + x[i]);
        float expected = dy[i] * (Math.abs(x[i]) <= 1f ? 1f : 0f); // −0 for a negative dy outside, NaN for a NaN dy
        assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(dx[i]), "dx at x=" + x[i] + ", dy=" + dy[i]);
      }
    }
  }
}
