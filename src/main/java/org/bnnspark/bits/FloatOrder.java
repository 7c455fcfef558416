package org.bnnspark.bits;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Floats as ints in the same order, so that a float comparison against a per-feature cut runs on
 * the integer threshold kernels ({@link SignThresholds}).
 *
 * <p>The map: {@code key(v) = bits ^ ((bits >> 31) & 0x7fffffff)} with {@code bits} the IEEE-754
 * pattern. Non-negative floats keep their pattern, which already grows with the value; a negative
 * float's magnitude bits are flipped, so a larger magnitude gives a smaller key. It is strictly
 * increasing over the non-NaN floats — from {@link #LOWEST} ({@code −∞}) to {@link #HIGHEST}
 * ({@code +∞}), with {@code −0} just below {@code +0} — and inverted exactly by {@link #value}. Every
 * NaN maps to {@link Integer#MIN_VALUE}, below every float: a {@code key ≥ t} test with
 * {@code t ≥ LOWEST} is false for it, and so is the flipped test {@link SignThresholds} runs as
 * {@code −key ≥ −t} (negating {@code MIN_VALUE} leaves it {@code MIN_VALUE}) — a NaN is never +1,
 * as the sign of a NaN is not.
 */
public final class FloatOrder {
  /** The key of {@code −∞}. */
  public static final int LOWEST = key(Float.NEGATIVE_INFINITY);
  /** The key of {@code +∞}. */
  public static final int HIGHEST = key(Float.POSITIVE_INFINITY);

  private FloatOrder() {}

  public static int key(float v) {
    if (v != v) {
      return Integer.MIN_VALUE;
    }
    int bits = Float.floatToRawIntBits(v);
    return bits ^ ((bits >> 31) & 0x7fffffff);
  }

  /** The float of a key in {@code [LOWEST, HIGHEST]}. */
  public static float value(int key) {
    return Float.intBitsToFloat(key ^ ((key >> 31) & 0x7fffffff));
  }

  /** {@code keys[i] = key(v[i])} for {@code i < n}: by vector where the JVM has it ({@link KernelChoice}), the rest scalar. */
  public static void keys(float[] v, int n, int[] keys) {
    int i = FLOATS == null ? 0 : vectorKeys(v, n - n % FLOATS.length(), keys);
    for (; i < n; i++) {
      keys[i] = key(v[i]);
    }
  }

  private static final VectorSpecies<Float> FLOATS = KernelChoice.pick(() -> FloatVector.SPECIES_PREFERRED, null);

  /** The implementation {@link #keys} runs, for benchmarks' kernel lines. */
  public static String kernelName() {
    return FLOATS == null ? "ScalarFloatOrder" : "VectorFloatOrder(" + FLOATS.vectorBitSize() + "-bit)";
  }

  /** The same map lane-wise on the patterns; a NaN (a magnitude pattern above +∞'s) blended to {@code MIN_VALUE}. */
  private static int vectorKeys(float[] v, int end, int[] keys) {
    int lanes = FLOATS.length();
    for (int i = 0; i < end; i += lanes) {
      IntVector bits = FloatVector.fromArray(FLOATS, v, i).reinterpretAsInts();
      IntVector magnitude = bits.lanewise(VectorOperators.AND, 0x7fffffff);
      IntVector key = bits.lanewise(VectorOperators.XOR, bits.lanewise(VectorOperators.ASHR, 31).lanewise(VectorOperators.AND, 0x7fffffff));
      key.blend(Integer.MIN_VALUE, magnitude.compare(VectorOperators.GT, 0x7f800000)).intoArray(keys, i);
    }
    return end;
  }
}
