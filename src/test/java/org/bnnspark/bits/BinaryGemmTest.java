package org.bnnspark.bits;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BinaryGemmTest {
  private static final int[] BOUNDARY_LENGTHS = {1, 31, 32, 33, 63, 64, 65, 127, 128, 129, 511, 512, 513};

  static float[] randomValues(SplittableRandom rng, int n) {
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      // exact zeros and negative zeros too: sign(0) = sign(−0) = +1
      int pick = rng.nextInt(20);
      x[i] = pick == 0 ? 0f : pick == 1 ? -0f : (float) rng.nextGaussian();
    }
    return x;
  }

  /** The naive reference: float ±1 maths. */
  static int floatDot(float[] a, int aOff, float[] b, int bOff, int n) {
    int s = 0;
    for (int i = 0; i < n; i++) {
      s += (int) (BitPacking.sign(a[aOff + i]) * BitPacking.sign(b[bOff + i]));
    }
    return s;
  }

  static List<BinaryGemm> kernels() {
    List<BinaryGemm> ks = new ArrayList<>(List.of(BinaryGemm.portable()));
    BinaryGemm v = BinaryGemm.vectorOrNull();
    if (v != null) {
      ks.add(v);
    }
    return ks;
  }

  @Test
  void packingKeepsSignsAndZeroPadding() {
    SplittableRandom rng = new SplittableRandom(1);
    for (int n : BOUNDARY_LENGTHS) {
      float[] x = randomValues(rng, n);
      long[] p = BitPacking.pack(x);
      assertEquals(BitPacking.words(n), p.length);
      float[] back = BitPacking.unpack(p, 0, n);
      for (int i = 0; i < n; i++) {
        assertEquals(BitPacking.sign(x[i]), back[i], "n=" + n + " i=" + i);
      }
      assertEquals(0L, p[p.length - 1] & ~BitPacking.tailMask(n), "padding bits must stay zero, n=" + n);
    }
  }

  @Test
  void vectorSignPackingEqualsThePortableTwinIncludingSignedZeroAndNaN() {
    SplittableRandom rng = new SplittableRandom(3);
    float[] special = {0f, -0f, Float.NaN, Float.MIN_VALUE, -Float.MIN_VALUE, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY};
    for (int round = 0; round < 20; round++) {
      float[] x = new float[64 * 3];
      for (int i = 0; i < x.length; i++) {
        x[i] = rng.nextInt(4) == 0 ? special[rng.nextInt(special.length)] : (float) rng.nextGaussian();
      }
      for (int w = 0; w < 3; w++) {
        long scalar = BitPacking.packWordScalar(x, w * 64, 64);
        for (int b = 0; b < 64; b++) {
          assertEquals(x[w * 64 + b] >= 0f, (scalar >>> b & 1L) != 0, "bit " + b);
        }
        if (VectorSignPack.available()) {
          assertEquals(scalar, VectorSignPack.packWord(x, w * 64), "word " + w);
        }
      }
    }
    // ternary masks: {−c, 0, +c} accepted, anything else refused, vector == scalar
    for (int round = 0; round < 20; round++) {
      float c = round % 2 == 0 ? 1f : 1.25f;
      float[] x = new float[64];
      for (int i = 0; i < 64; i++) {
        x[i] = new float[] {c, -c, 0f, -0f}[rng.nextInt(4)];
      }
      if (round % 5 == 4) {
        x[rng.nextInt(64)] = round % 10 == 4 ? Float.NaN : c / 2;
      }
      long[] s = new long[2];
      boolean okScalar = BitPacking.packTernaryScalar(x, 0, 64, c, s, s, 0, 1);
      assertEquals(round % 5 != 4, okScalar, "round " + round);
      for (int b = 0; okScalar && b < 64; b++) {
        assertEquals(x[b] == c, (s[0] >>> b & 1L) != 0, "plus bit " + b);
        assertEquals(x[b] == -c, (s[1] >>> b & 1L) != 0, "minus bit " + b);
      }
      if (VectorSignPack.available()) {
        long[] v = new long[2];
        assertEquals(okScalar, VectorSignPack.packTernaryWord(x, 0, c, v, v, 0, 1), "round " + round);
        if (okScalar) {
          assertArrayEquals(s, v, "round " + round);
        }
      }
    }
  }

  @Test
  void packedDotEqualsFloatDotForEveryLengthUpTo4096() {
    SplittableRandom rng = new SplittableRandom(2);
    for (int n = 1; n <= 4096; n += (n < 200 ? 1 : 37)) {
      float[] a = randomValues(rng, n);
      float[] b = randomValues(rng, n);
      assertEquals(floatDot(a, 0, b, 0, n), BinaryGemm.dot(BitPacking.pack(a), 0, BitPacking.pack(b), 0, n), "n=" + n);
    }
  }

  @Test
  void everyKernelEqualsTheReferenceOnRandomShapes() {
    SplittableRandom rng = new SplittableRandom(3);
    for (BinaryGemm kernel : kernels()) {
      for (int trial = 0; trial < 60; trial++) {
        int m = 1 + rng.nextInt(9);
        int n = 1 + rng.nextInt(9);
        int bits = trial < BOUNDARY_LENGTHS.length ? BOUNDARY_LENGTHS[trial] : 1 + rng.nextInt(1500);
        float[] a = randomValues(rng, m * bits);
        float[] b = randomValues(rng, n * bits);
        int words = BitPacking.words(bits);
        int[] c = new int[m * n];
        kernel.gemm(BitPacking.packRows(a, m, bits), 0, m, BitPacking.packRows(b, n, bits), 0, n, words, bits, c, 0, n);
        int[] expected = new int[m * n];
        for (int i = 0; i < m; i++) {
          for (int j = 0; j < n; j++) {
            expected[i * n + j] = floatDot(a, i * bits, b, j * bits, bits);
          }
        }
        assertArrayEquals(expected, c, kernel.name() + " m=" + m + " n=" + n + " bits=" + bits);
      }
    }
  }

  @Test
  void kMajorProductEqualsTheReferenceAtWordAndVectorBoundaries() {
    SplittableRandom rng = new SplittableRandom(11);
    // column counts around one, four and more vectors of 2, 4 and 8 longs; rows of one to a dozen words
    int[] columns = {1, 2, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100};
    for (BinaryGemm kernel : kernels()) {
      for (int trial = 0; trial < 80; trial++) {
        int m = 1 + rng.nextInt(5);
        int n = columns[trial % columns.length];
        int bits = trial < BOUNDARY_LENGTHS.length ? BOUNDARY_LENGTHS[trial] : 1 + rng.nextInt(12 * 64);
        float[] a = randomValues(rng, m * bits);
        float[] b = randomValues(rng, n * bits);
        int words = BitPacking.words(bits);
        int ldc = n + 3;
        int[] c = new int[2 + m * ldc];
        kernel.gemmKMajor(BitPacking.packRows(a, m, bits), 0, m, BinaryGemm.kMajor(BitPacking.packRows(b, n, bits), 0, n, words, new long[n * words]), n, words,
            bits, c, 2, ldc);
        for (int i = 0; i < m; i++) {
          for (int j = 0; j < n; j++) {
            assertEquals(floatDot(a, i * bits, b, j * bits, bits), c[2 + i * ldc + j], kernel.name() + " m=" + m + " n=" + n + " bits=" + bits);
          }
        }
      }
    }
  }

  @Test
  void thresholdedOutputEqualsNaiveCompare() {
    SplittableRandom rng = new SplittableRandom(4);
    for (BinaryGemm kernel : kernels()) {
      for (int trial = 0; trial < 40; trial++) {
        int m = 1 + rng.nextInt(7);
        int n = trial < BOUNDARY_LENGTHS.length ? BOUNDARY_LENGTHS[trial] : 1 + rng.nextInt(200);
        int bits = 1 + rng.nextInt(300);
        float[] a = randomValues(rng, m * bits);
        float[] b = randomValues(rng, n * bits);
        int[] threshold = new int[n];
        boolean[] flip = new boolean[n];
        for (int j = 0; j < n; j++) {
          // the extremes encode constant neurons in packed models
          threshold[j] = j % 11 == 5 ? Integer.MIN_VALUE : j % 11 == 7 ? Integer.MAX_VALUE : rng.nextInt(2 * bits + 1) - bits;
          flip[j] = j % 11 != 5 && j % 11 != 7 && rng.nextBoolean();
        }
        int outWords = BitPacking.words(n);
        long[] out = new long[m * outWords];
        int[] scratch = new int[3 * n]; // forces several chunks when m > 3
        kernel.gemmThresholded(BitPacking.packRows(a, m, bits), 0, m, BitPacking.packRows(b, n, bits), 0, n,
            BitPacking.words(bits), bits, new SignThresholds(threshold, flip), out, 0, scratch);
        for (int i = 0; i < m; i++) {
          for (int j = 0; j < n; j++) {
            int dot = floatDot(a, i * bits, b, j * bits, bits);
            boolean expected = flip[j] ? dot <= threshold[j] : dot >= threshold[j];
            assertEquals(expected, BitPacking.bit(out, i * outWords, j), kernel.name() + " i=" + i + " j=" + j);
          }
          assertEquals(0L, out[i * outWords + outWords - 1] & ~BitPacking.tailMask(n), "output padding must be zero");
        }
      }
    }
  }

  @Test
  void vectorKernelIsSelectedWhereBitCountExists() {
    int feature = Runtime.version().feature();
    if (feature >= 19) {
      assertNotNull(BinaryGemm.vectorOrNull(), "JDK " + feature + " has VectorOperators.BIT_COUNT; the vector kernel must load");
      assertEquals(BinaryGemm.vectorOrNull(), BinaryGemm.best());
    } else {
      assertEquals(BinaryGemm.portable(), BinaryGemm.best(), "JDK " + feature + " lacks BIT_COUNT: scalar fallback");
    }
  }

  @Test
  void levelScatterKernelsEqualTheIntegerReference() {
    SplittableRandom rng = new SplittableRandom(13);
    List<LevelDots> kernels = new java.util.ArrayList<>(List.of(LevelDots.portable()));
    if (LevelDots.vectorOrNull() != null) {
      kernels.add(LevelDots.vectorOrNull());
    }
    for (int trial = 0; trial < 40; trial++) {
      // filters around one and two vectors of 8 and 16 ints
      int f = trial < BOUNDARY_LENGTHS.length ? Math.min(BOUNDARY_LENGTHS[trial], 129) : 1 + rng.nextInt(70);
      int rowsOfWeights = 1 + rng.nextInt(12);
      int positions = 1 + rng.nextInt(20);
      int[] w = new int[rowsOfWeights * f];
      for (int i = 0; i < w.length; i++) {
        w[i] = rng.nextBoolean() ? 1 : -1;
      }
      int entries = 1 + rng.nextInt(15);
      int[] rows = new int[entries];
      int[] targets = new int[entries];
      for (int e = 0; e < entries; e++) {
        rows[e] = rng.nextInt(rowsOfWeights);
        targets[e] = rng.nextInt(positions);
      }
      int from = rng.nextInt(entries);
      int q = 1 + rng.nextInt(255);
      int[] start = new int[positions * f];
      for (int i = 0; i < start.length; i++) {
        start[i] = rng.nextInt(2000) - 1000;
      }
      int[] expected = start.clone();
      for (int e = from; e < entries; e++) {
        for (int j = 0; j < f; j++) {
          expected[targets[e] * f + j] += q * w[rows[e] * f + j];
        }
      }
      for (LevelDots kernel : kernels) {
        int[] sums = start.clone();
        kernel.scatter(q, rows, targets, from, entries, w, f, sums);
        assertArrayEquals(expected, sums, kernel.name() + " f=" + f);
      }
    }
  }

  @Test
  void packingPositionsEqualsTheNaiveCompareOfEveryValue() {
    SplittableRandom rng = new SplittableRandom(16);
    for (int n : new int[] {1, 2, 4, 5, 8, 16, 32, 33, 64, 65, 128}) {
      for (int positions : new int[] {1, 2, 3, 7, 49, 196}) {
        int[] threshold = new int[n];
        boolean[] flip = new boolean[n];
        for (int j = 0; j < n; j++) {
          threshold[j] = j % 11 == 5 ? Integer.MIN_VALUE : j % 11 == 7 ? Integer.MAX_VALUE : rng.nextInt(41) - 20;
          flip[j] = j % 11 != 5 && j % 11 != 7 && rng.nextBoolean();
        }
        int[] dots = rng.ints(3 + positions * n, -25, 26).toArray();
        long[] out = new long[1 + BitPacking.words(positions * n)];
        java.util.Arrays.fill(out, -1L); // every word it owns is written whole
        new SignThresholds(threshold, flip).packPositions(dots, 3, positions, out, 1);
        for (int i = 0; i < positions * n; i++) {
          int j = i % n;
          int d = dots[3 + i];
          boolean plus = flip[j] ? d <= threshold[j] : d >= threshold[j];
          assertEquals(plus, BitPacking.bit(out, 1, i), "n=" + n + " positions=" + positions + " value " + i);
        }
        assertEquals(-1L, out[0]);
        int tail = positions * n % 64;
        if (tail != 0 && n % 64 != 0 && 64 % n == 0) {
          assertEquals(0L, out[out.length - 1] >>> tail, "padding bits past the last position are 0");
        }
      }
    }
  }

  @Test
  void kernelChoiceTakesTheVectorTwinUnlessPortableIsForcedOrItIsMissing() {
    assertEquals("vector", KernelChoice.pick(() -> "vector", "portable"));
    assertEquals("portable", KernelChoice.pick(() -> null, "portable"));
    assertEquals("portable", KernelChoice.pick(() -> {
      throw new NoClassDefFoundError("jdk/incubator/vector/IntVector");
    }, "portable"));
    System.setProperty(KernelChoice.PORTABLE_PROPERTY, "true");
    try {
      assertEquals("portable", KernelChoice.pick(() -> "vector", "portable"));
    } finally {
      System.clearProperty(KernelChoice.PORTABLE_PROPERTY);
    }
  }

  @Test
  void windowMaximaEqualTheScalarMaximum() {
    SplittableRandom rng = new SplittableRandom(14);
    List<WindowMax> kernels = new java.util.ArrayList<>(List.of(WindowMax.portable()));
    if (WindowMax.vectorOrNull() != null) {
      kernels.add(WindowMax.vectorOrNull());
    }
    for (int n : BOUNDARY_LENGTHS) {
      int[] taps = {0, n + 2, 3 * n, 4 * n + 1}; // a 2×2 window's taps, relative to its first
      int[] src = rng.ints(5 + 5 * n + 1, Integer.MIN_VALUE, Integer.MAX_VALUE).toArray();
      int[] dst = rng.ints(n + 7, Integer.MIN_VALUE, Integer.MAX_VALUE).toArray();
      int[] expected = dst.clone();
      for (int k = 0; k < n; k++) {
        int m = Integer.MIN_VALUE;
        for (int t : taps) {
          m = Math.max(m, src[5 + t + k]);
        }
        expected[3 + k] = m;
      }
      for (WindowMax kernel : kernels) {
        int[] d = dst.clone();
        kernel.maxOfWindow(src, 5, taps, d, 3, n);
        assertArrayEquals(expected, d, kernel.name() + " n=" + n);
      }
    }
    assertNotNull(WindowMax.vectorOrNull(), "the tests run with jdk.incubator.vector: the vector kernel must load");
  }

  /** Float windows: {@code m = v > m ? v : m} tap by tap, and the tap that set it — with NaNs, −0 and +0 and ties among the values. */
  @Test
  void floatWindowMaximaFollowTheScalarComparison() {
    SplittableRandom rng = new SplittableRandom(15);
    List<WindowMax> kernels = new java.util.ArrayList<>(List.of(WindowMax.portable()));
    if (WindowMax.vectorOrNull() != null) {
      kernels.add(WindowMax.vectorOrNull());
    }
    float[] specials = {Float.NaN, -0f, 0f, 1f, -1f, Float.NEGATIVE_INFINITY};
    for (int n : BOUNDARY_LENGTHS) {
      int[] taps = {0, n + 2, 3 * n, 4 * n + 1};
      float[] src = new float[5 + 5 * n + 1];
      for (int i = 0; i < src.length; i++) {
        src[i] = rng.nextInt(3) == 0 ? specials[rng.nextInt(specials.length)] : (float) rng.nextGaussian();
      }
      float[] dst = new float[n + 7];
      java.util.Arrays.fill(dst, 42f);
      float[] expected = dst.clone();
      int[] expectedArg = new int[n + 7];
      java.util.Arrays.fill(expectedArg, -7);
      for (int k = 0; k < n; k++) {
        float m = src[5 + k];
        int best = 5 + k;
        for (int t = 1; t < taps.length; t++) {
          float v = src[5 + taps[t] + k];
          if (v > m) {
            m = v;
            best = 5 + taps[t] + k;
          }
        }
        expected[3 + k] = m;
        expectedArg[3 + k] = best;
      }
      for (WindowMax kernel : kernels) {
        float[] d = dst.clone();
        kernel.maxOfWindow(src, 5, taps, d, 3, n);
        float[] withArg = dst.clone();
        int[] arg = new int[n + 7];
        java.util.Arrays.fill(arg, -7);
        kernel.argmaxOfWindow(src, 5, taps, withArg, arg, 3, n);
        for (int i = 0; i < d.length; i++) { // bit for bit: NaN is NaN, −0 is not +0
          assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(d[i]), kernel.name() + " n=" + n + " i=" + i);
          assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(withArg[i]), kernel.name() + " argmax n=" + n + " i=" + i);
        }
        assertArrayEquals(expectedArg, arg, kernel.name() + " argmax indices n=" + n);
      }
    }
  }

  @Test
  void levelDotKernelsEqualTheIntegerReference() {
    SplittableRandom rng = new SplittableRandom(9);
    List<LevelDots> kernels = new java.util.ArrayList<>(List.of(LevelDots.portable()));
    if (LevelDots.vectorOrNull() != null) {
      kernels.add(LevelDots.vectorOrNull());
    }
    for (int trial = 0; trial < 60; trial++) {
      int in = trial == 0 ? 700 : 1 + rng.nextInt(400);
      int out = trial < BOUNDARY_LENGTHS.length ? BOUNDARY_LENGTHS[trial] : 1 + rng.nextInt(100);
      // dense rows (more than 128 non-zero levels, so the 16-bit partial sums are flushed), sparse, all-zero
      double zeros = trial % 3 == 0 ? 0.0 : trial % 3 == 1 ? 0.8 : 1.0;
      int[] levels = new int[2 * in];
      for (int i = 0; i < levels.length; i++) {
        levels[i] = rng.nextDouble() < zeros ? 0 : (trial == 0 ? 255 : rng.nextInt(256));
      }
      byte[] mask = new byte[in * out];
      for (int i = 0; i < mask.length; i++) {
        mask[i] = rng.nextBoolean() ? (byte) -1 : 0;
      }
      for (int r = 0; r < 2; r++) {
        long total = 0;
        long[] expected = new long[out];
        for (int i = 0; i < in; i++) {
          total += levels[r * in + i];
          for (int j = 0; j < out; j++) {
            expected[j] += mask[i * out + j] != 0 ? levels[r * in + i] : 0;
          }
        }
        for (LevelDots kernel : kernels) {
          int[] p = new int[out + 3];
          java.util.Arrays.fill(p, 77);
          assertEquals(total, kernel.positiveSums(levels, r * in, in, mask, out, p, 2), kernel.name());
          for (int j = 0; j < out; j++) {
            assertEquals(expected[j], p[2 + j], kernel.name() + " in=" + in + " out=" + out + " j=" + j);
          }
          assertEquals(77, p[1]);
          assertEquals(77, p[out + 2]);
        }
      }
    }
    assertNotNull(LevelDots.vectorOrNull(), "the tests run with jdk.incubator.vector: the vector kernel must load");
  }
}
