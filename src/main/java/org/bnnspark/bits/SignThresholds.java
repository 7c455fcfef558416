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
    int lanes = INTS.length();
    long word = 0L;
    for (int k = 0; k < count; k += lanes) {
      IntVector m = IntVector.fromArray(INTS, negate, j0 + k);
      IntVector v = IntVector.fromArray(INTS, dots, dOff + j0 + k).lanewise(VectorOperators.XOR, m).sub(m);
      word |= v.compare(VectorOperators.GE, IntVector.fromArray(INTS, bound, j0 + k)).toLong() << k;
    }
    return word;
  }
}
