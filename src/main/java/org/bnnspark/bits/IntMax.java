package org.bnnspark.bits;

import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Lane-wise maxima over a pooling window of integer dots (each tap a run of a pixel's channels),
 * what max pooling of a binary convolution's dots does. C2 leaves a loop of a few dozen ints scalar
 * (its vector loop is unrolled past that length), so the Vector API twin does it, the window's
 * maximum in registers until one store; {@link #best()} picks at run time, {@link #portable()} is the
 * scalar loop.
 */
public abstract class IntMax {

  public abstract String name();

  /**
   * One pooling window: {@code dst[dOff + k] = max_t src[base + taps[t] + k]} for k in [0, n), over
   * the window's taps (offsets relative to its first), kept in registers until the one store.
   */
  public abstract void maxOfWindow(int[] src, int base, int[] taps, int[] dst, int dOff, int n);

  static void scalarWindow(int[] src, int base, int[] taps, int[] dst, int dOff, int from, int n) {
    for (int k = from; k < n; k++) {
      int m = src[base + taps[0] + k];
      for (int t = 1; t < taps.length; t++) {
        m = Math.max(m, src[base + taps[t] + k]);
      }
      dst[dOff + k] = m;
    }
  }

  private static final IntMax PORTABLE = new IntMax() {
    @Override
    public String name() {
      return "ScalarIntMax";
    }

    @Override
    public void maxOfWindow(int[] src, int base, int[] taps, int[] dst, int dOff, int n) {
      scalarWindow(src, base, taps, dst, dOff, 0, n);
    }
  };

  private static final IntMax BEST = select();

  public static IntMax best() {
    return BEST;
  }

  public static IntMax portable() {
    return PORTABLE;
  }

  /** The vector twin, or null without {@code jdk.incubator.vector}. */
  public static IntMax vectorOrNull() {
    try {
      return Vector.INSTANCE;
    } catch (LinkageError e) {
      return null;
    }
  }

  private static IntMax select() {
    return KernelChoice.pick(IntMax::vectorOrNull, portable());
  }

  /** Int lanes of the preferred species; the tail runs scalar. */
  private static final class Vector extends IntMax {
    static final Vector INSTANCE = new Vector();
    private static final VectorSpecies<Integer> INTS = IntVector.SPECIES_PREFERRED;

    @Override
    public String name() {
      return "VectorIntMax(" + INTS.vectorBitSize() + "-bit)";
    }

    @Override
    public void maxOfWindow(int[] src, int base, int[] taps, int[] dst, int dOff, int n) {
      int lanes = INTS.length();
      int k = 0;
      for (; k + lanes <= n; k += lanes) {
        IntVector m = IntVector.fromArray(INTS, src, base + taps[0] + k);
        for (int t = 1; t < taps.length; t++) {
          m = m.max(IntVector.fromArray(INTS, src, base + taps[t] + k));
        }
        m.intoArray(dst, dOff + k);
      }
      scalarWindow(src, base, taps, dst, dOff, k, n);
    }
  }
}
