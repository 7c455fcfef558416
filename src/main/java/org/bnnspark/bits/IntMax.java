package org.bnnspark.bits;

import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Lane-wise maxima of int runs, what max pooling of integer dots does per window tap (a run of a
 * pixel's channels): {@code dst[d + i] = max(dst[d + i], src[s + i])}. C2 leaves a loop of a few
 * dozen ints scalar (its vector loop is unrolled past that length), so the Vector API twin does it;
 * {@link #best()} picks at run time, {@link #portable()} is the scalar loop.
 */
public abstract class IntMax {

  public abstract String name();

  public abstract void maxInto(int[] src, int sOff, int[] dst, int dOff, int n);

  static void scalar(int[] src, int sOff, int[] dst, int dOff, int from, int n) {
    for (int i = from; i < n; i++) {
      dst[dOff + i] = Math.max(dst[dOff + i], src[sOff + i]);
    }
  }

  private static final IntMax PORTABLE = new IntMax() {
    @Override
    public String name() {
      return "ScalarIntMax";
    }

    @Override
    public void maxInto(int[] src, int sOff, int[] dst, int dOff, int n) {
      scalar(src, sOff, dst, dOff, 0, n);
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
    public void maxInto(int[] src, int sOff, int[] dst, int dOff, int n) {
      int lanes = INTS.length();
      int i = 0;
      for (; i + lanes <= n; i += lanes) {
        IntVector.fromArray(INTS, dst, dOff + i).max(IntVector.fromArray(INTS, src, sOff + i)).intoArray(dst, dOff + i);
      }
      scalar(src, sOff, dst, dOff, i, n);
    }
  }
}
