package org.bnnspark.bits;

import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Per-neuron integer thresholds that turn dots into packed signs: bit j is +1 when
 * {@code dot ≥ threshold[j]}, or, where {@code flip[j]} (a negative BatchNorm scale),
 * {@code dot ≤ threshold[j]}.
 *
 * <p>Stored branch-free as {@code (±dot) ≥ bound}: the dot is negated (XOR with a −1 mask, minus the
 * mask) where flipped, against {@code bound = −threshold}. With the Vector API, 8 (or 16) neurons are
 * compared at once and the lane mask becomes 8 bits of the output word; otherwise a scalar loop
 * does the same arithmetic.
 */
public final class SignThresholds {
  private static final VectorSpecies<Integer> INTS = vectorSpeciesOrNull();
  private final int n;
  private final int[] negate;
  private final int[] bound;

  private static VectorSpecies<Integer> vectorSpeciesOrNull() {
    return KernelChoice.pick(() -> {
      VectorSpecies<Integer> s = IntVector.SPECIES_PREFERRED;
      return s.length() >= 8 && 64 % s.length() == 0 ? s : null;
    }, null);
  }

  public SignThresholds(int[] threshold, boolean[] flip) {
    this.n = threshold.length;
    this.negate = new int[n];
    this.bound = new int[n];
    for (int j = 0; j < n; j++) {
      negate[j] = flip[j] ? -1 : 0;
      // −threshold clamped into int: d ≤ MIN never holds (bound MAX), d ≤ MAX always does (bound MIN)
      long b = flip[j] ? -(long) threshold[j] : threshold[j];
      bound[j] = (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, b));
    }
  }

  /** Packs the signs of {@code dots[dOff … dOff+n)} into {@code words(n)} longs at {@code out[outOff]}. */
  public void pack(int[] dots, int dOff, long[] out, int outOff) {
    for (int w = 0, words = BitPacking.words(n); w < words; w++) {
      int j0 = w << 6;
      int count = Math.min(64, n - j0);
      // whole lane groups by vector (a word of 64, or the 32 filters of a small convolution), the rest scalar
      int vector = INTS == null ? 0 : count - count % INTS.length();
      long word = vector == 0 ? 0L : packVectorBits(dots, dOff, j0, vector);
      for (int j = j0 + vector; j < j0 + count; j++) {
        int m = negate[j];
        int v = (dots[dOff + j] ^ m) - m;
        word |= (v >= bound[j] ? 1L : 0L) << (j - j0);
      }
      out[outOff + w] = word;
    }
  }

  /** The bits of neurons {@code j0 … j0+count)}, {@code count} a multiple of the lanes. */
  private long packVectorBits(int[] dots, int dOff, int j0, int count) {
    return packVectorBits(dots, dOff + j0, negate, bound, j0, count);
  }

  private static long packVectorBits(int[] dots, int dOff, int[] negate, int[] bound, int j0, int count) {
    int lanes = INTS.length();
    long word = 0L;
    for (int k = 0; k < count; k += lanes) {
      IntVector m = IntVector.fromArray(INTS, negate, j0 + k);
      IntVector v = IntVector.fromArray(INTS, dots, dOff + k).lanewise(VectorOperators.XOR, m).sub(m);
      word |= v.compare(VectorOperators.GE, IntVector.fromArray(INTS, bound, j0 + k)).toLong() << k;
    }
    return word;
  }

  /** The thresholds repeated over one word's 64 values, for {@link #packPositions} (null unless n divides 64). */
  private int[] tiledNegate;
  private int[] tiledBound;

  /**
   * Packs {@code positions} consecutive runs of the n neurons' dots (an image's output positions,
   * channels innermost) into one contiguous bit run from word {@code outOff}: position p's bits at
   * bit {@code p·n}. Where n divides 64 a word holds whole positions and is packed at once against
   * the thresholds repeated across it; otherwise position by position.
   */
  public void packPositions(int[] dots, int dOff, int positions, long[] out, int outOff) {
    if (n % 64 == 0) {
      for (int p = 0; p < positions; p++) {
        pack(dots, dOff + p * n, out, outOff + p * n / 64);
      }
      return;
    }
    if (64 % n != 0) {
      long[] row = new long[BitPacking.words(n)];
      for (int p = 0; p < positions; p++) {
        pack(dots, dOff + p * n, row, 0);
        BitPacking.copyBits(row, 0, out, (long) outOff * 64 + (long) p * n, n);
      }
      return;
    }
    if (tiledNegate == null) {
      tiledNegate = new int[64];
      tiledBound = new int[64];
      for (int j = 0; j < 64; j++) {
        tiledNegate[j] = negate[j % n];
        tiledBound[j] = bound[j % n];
      }
    }
    int values = positions * n;
    int words = BitPacking.words(values);
    for (int w = 0; w < words; w++) {
      int j0 = w << 6;
      int count = Math.min(64, values - j0);
      int vector = INTS == null ? 0 : count - count % INTS.length();
      long word = vector == 0 ? 0L : packVectorBits(dots, dOff + j0, tiledNegate, tiledBound, 0, vector);
      for (int j = vector; j < count; j++) {
        int m = tiledNegate[j];
        int v = (dots[dOff + j0 + j] ^ m) - m;
        word |= (v >= tiledBound[j] ? 1L : 0L) << j;
      }
      out[outOff + w] = word;
    }
  }
}
