package org.bnnspark.inference;

import org.bnnspark.bits.FloatOrder;

/**
 * Folds "integer dot → per-feature float operations → sign" into one integer comparison per
 * neuron.
 *
 * <p>For neuron {@code j} let {@code g(d)} be the training graph's float value for an integer dot
 * {@code d} (the dot's float value, then the bias, BatchNorm, … in the graph's own float
 * arithmetic), and the output bit {@code g(d) ≥ 0}. Every {@link PointwiseOp} is monotone and
 * IEEE-754 rounding is monotone, so {@code g} is monotone in {@code d} over the dot's domain
 * {@code [−max, max]}: the set of {@code d} with a +1 output is empty, everything, or one side of a
 * single cut point. The cut is found by bisection <em>on {@code g} itself</em>, so the folded
 * comparison equals the training graph's sign exactly for every reachable dot — not approximately,
 * as a threshold derived algebraically ({@code μ − β·σ/γ}) in floating point would be. A negative BN
 * scale makes {@code g} decreasing: the comparison flips to {@code d ≤ threshold}.
 */
public final class Thresholds {
  private Thresholds() {}

  /** The float value of an integer dot before the stage's operations. */
  interface DotValue {
    float of(int dot);
  }

  /** The smallest d in (lo, hi] where {@code p} holds, for p false at lo, true at hi, monotone between. */
  private static int firstTrue(int lo, int hi, java.util.function.IntPredicate p) {
    while ((long) hi - lo > 1) { // long: a float key range spans more than 2³¹
      int mid = (int) (((long) lo + hi) >> 1);
      if (p.test(mid)) {
        hi = mid;
      } else {
        lo = mid;
      }
    }
    return hi;
  }

  /**
   * Computes {@code threshold[j]} and {@code flip[j]} for {@code out} neurons whose dots lie in
   * {@code [−maxDot, maxDot]}.
   */
  static void fold(PointwiseOp[] ops, int out, int maxDot, DotValue value, int[] threshold, boolean[] flip) {
    fold(ops, out, -maxDot, maxDot, value, Integer.MIN_VALUE, threshold, flip);
  }

  /**
   * The same for values that are floats, on their order-preserving integer keys ({@link FloatOrder}):
   * the comparison of a value's key against its feature's threshold is the graph's sign of the
   * operations' result, for every float in {@code [−bound, bound]} ({@code bound} may be +∞) and for
   * NaN (keyed below every threshold: −1, as the sign of a NaN is). Returns false, folding nothing,
   * when a feature's operations give NaN at an end of the range (e.g. a zero BatchNorm scale times an
   * overflowed value): only a NaN from an infinity breaks the monotone chain — every operation
   * propagates NaN, and between the ends each intermediate value lies between its values at the
   * ends — so no NaN at the ends means the sign is monotone over the whole range, and the bisection
   * exact. Beyond a finite bound the comparison extends the cut (exact unless an operation overflows
   * there). A constant +1 feature gets the threshold {@code LOWEST} (not {@code MIN_VALUE}), so that
   * a NaN stays −1.
   */
  static boolean foldFloats(PointwiseOp[] ops, int out, float bound, int[] threshold, boolean[] flip) {
    for (int j = 0; j < out; j++) {
      if (Float.isNaN(PointwiseOp.applyAll(ops, j, -bound)) || Float.isNaN(PointwiseOp.applyAll(ops, j, bound))) {
        return false;
      }
    }
    fold(ops, out, FloatOrder.key(-bound), FloatOrder.key(bound), FloatOrder::value, FloatOrder.LOWEST, threshold, flip);
    return true;
  }

  /** Over the domain {@code [lo, hi]} of integer inputs; {@code always} is a constant +1 feature's threshold. */
  private static void fold(PointwiseOp[] ops, int out, int lo, int hi, DotValue value, int always, int[] threshold, boolean[] flip) {
    for (int j = 0; j < out; j++) {
      final int neuron = j;
      java.util.function.IntPredicate plus = d -> PointwiseOp.applyAll(ops, neuron, value.of(d)) >= 0f;
      boolean low = plus.test(lo);
      boolean high = plus.test(hi);
      if (low == high) { // constant output: every input compares the same way
        threshold[j] = low ? always : Integer.MAX_VALUE;
        flip[j] = false;
      } else if (high) { // increasing: the smallest d with a +1 output
        threshold[j] = firstTrue(lo, hi, plus);
        flip[j] = false;
      } else { // decreasing (negative BN scale): the largest d with a +1 output
        threshold[j] = firstTrue(lo, hi, plus.negate()) - 1;
        flip[j] = true;
      }
    }
  }
}
