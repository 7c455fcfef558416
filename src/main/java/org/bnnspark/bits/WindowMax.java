package org.bnnspark.bits;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Lane-wise maxima over a pooling window (each tap a run of a pixel's channels): of integer dots, what
 * max pooling of a binary convolution's dots does, and of floats, what {@code MaxPool2d} does — there
 * {@code m = v > m ? v : m} tap by tap, so the first maximum wins and a NaN or −0 behaves as that
 * comparison says, in both kernels. C2 leaves a loop of a few dozen ints scalar
 * (its vector loop is unrolled past that length), so the Vector API twin does it, the window's
 * maximum in registers until one store; {@link #best()} picks at run time, {@link #portable()} is the
 * scalar loop.
 */
public abstract class WindowMax {

  public abstract String name();

  /**
   * One pooling window: {@code dst[dOff + k] = max_t src[base + taps[t] + k]} for k in [0, n), over
   * the window's taps (offsets relative to its first), kept in registers until the one store.
   */
  public abstract void maxOfWindow(int[] src, int base, int[] taps, int[] dst, int dOff, int n);

  /** The float window: {@code dst[dOff + k] = } the maximum by {@code v > m ? v : m} over the taps in order. */
  public abstract void maxOfWindow(float[] src, int base, int[] taps, float[] dst, int dOff, int n);

  /**
   * The float window with where each maximum came from: {@code dst[dOff + k]} as {@link
   * #maxOfWindow(float[], int, int[], float[], int, int)} gives it and {@code arg[dOff + k] = base +
   * taps[t] + k} for the tap t that set it (the first maximum: a later tap wins only by {@code v > m}),
   * what {@code MaxPool2d}'s backward routes the gradient to.
   */
  public abstract void argmaxOfWindow(float[] src, int base, int[] taps, float[] dst, int[] arg, int dOff, int n);

  static void scalarArgmax(float[] src, int base, int[] taps, float[] dst, int[] arg, int dOff, int from, int n) {
    for (int k = from; k < n; k++) {
      int best = base + taps[0] + k;
      float m = src[best];
      for (int t = 1; t < taps.length; t++) {
        int at = base + taps[t] + k;
        float v = src[at];
        if (v > m) {
          m = v;
          best = at;
        }
      }
      dst[dOff + k] = m;
      arg[dOff + k] = best;
    }
  }

  static void scalarWindow(float[] src, int base, int[] taps, float[] dst, int dOff, int from, int n) {
    for (int k = from; k < n; k++) {
      float m = src[base + taps[0] + k];
      for (int t = 1; t < taps.length; t++) {
        float v = src[base + taps[t] + k];
        m = v > m ? v : m;
      }
      dst[dOff + k] = m;
    }
  }

  static void scalarWindow(int[] src, int base, int[] taps, int[] dst, int dOff, int from, int n) {
    for (int k = from; k < n; k++) {
      int m = src[base + taps[0] + k];
      for (int t = 1; t < taps.length; t++) {
        m = Math.max(m, src[base + taps[t] + k]);
      }
      dst[dOff + k] = m;
    }
  }

  private static final WindowMax PORTABLE = new WindowMax() {
    @Override
    public String name() {
      return "ScalarWindowMax";
    }

    @Override
    public void maxOfWindow(int[] src, int base, int[] taps, int[] dst, int dOff, int n) {
      scalarWindow(src, base, taps, dst, dOff, 0, n);
    }

    @Override
    public void maxOfWindow(float[] src, int base, int[] taps, float[] dst, int dOff, int n) {
      scalarWindow(src, base, taps, dst, dOff, 0, n);
    }

    @Override
    public void argmaxOfWindow(float[] src, int base, int[] taps, float[] dst, int[] arg, int dOff, int n) {
      scalarArgmax(src, base, taps, dst, arg, dOff, 0, n);
    }
  };

  private static final WindowMax BEST = select();

  public static WindowMax best() {
    return BEST;
  }

  public static WindowMax portable() {
    return PORTABLE;
  }

  /** The vector twin, or null without {@code jdk.incubator.vector}. */
  public static WindowMax vectorOrNull() {
    try {
      return Vector.INSTANCE;
    } catch (LinkageError e) {
      return null;
    }
  }

  private static WindowMax select() {
    return KernelChoice.pick(WindowMax::vectorOrNull, portable());
  }

  /** Int lanes of the preferred species; the tail runs scalar. */
  private static final class Vector extends WindowMax {
    static final Vector INSTANCE = new Vector();
    private static final VectorSpecies<Integer> INTS = IntVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_PREFERRED;

    @Override
    public String name() {
      return "VectorWindowMax(" + INTS.vectorBitSize() + "-bit)";
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

    /** {@code blend} where {@code v > m}: the scalar comparison lane by lane. */
    @Override
    public void maxOfWindow(float[] src, int base, int[] taps, float[] dst, int dOff, int n) {
      int lanes = FLOATS.length();
      int k = 0;
      for (; k + lanes <= n; k += lanes) {
        FloatVector m = FloatVector.fromArray(FLOATS, src, base + taps[0] + k);
        for (int t = 1; t < taps.length; t++) {
          FloatVector v = FloatVector.fromArray(FLOATS, src, base + taps[t] + k);
          m = m.blend(v, v.compare(VectorOperators.GT, m));
        }
        m.intoArray(dst, dOff + k);
      }
      scalarWindow(src, base, taps, dst, dOff, k, n);
    }

    /** The same blend for the maximum and, under the same mask, for the index (float and int lanes alike wide). */
    @Override
    public void argmaxOfWindow(float[] src, int base, int[] taps, float[] dst, int[] arg, int dOff, int n) {
      int lanes = FLOATS.length();
      int k = 0;
      if (INTS.length() == lanes) {
        IntVector iota = IntVector.zero(INTS).addIndex(1);
        for (; k + lanes <= n; k += lanes) {
          int first = base + taps[0] + k;
          FloatVector m = FloatVector.fromArray(FLOATS, src, first);
          IntVector best = iota.add(first);
          for (int t = 1; t < taps.length; t++) {
            int at = base + taps[t] + k;
            FloatVector v = FloatVector.fromArray(FLOATS, src, at);
            jdk.incubator.vector.VectorMask<Float> greater = v.compare(VectorOperators.GT, m);
            m = m.blend(v, greater);
            best = best.blend(iota.add(at), greater.cast(INTS));
          }
          m.intoArray(dst, dOff + k);
          best.intoArray(arg, dOff + k);
        }
      }
      scalarArgmax(src, base, taps, dst, arg, dOff, k, n);
    }
  }
}
