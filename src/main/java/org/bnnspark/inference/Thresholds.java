package org.bnnspark.inference;

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
    while (hi - lo > 1) {
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
    for (int j = 0; j < out; j++) {
      final int neuron = j;
      java.util.function.IntPredicate plus = d -> PointwiseOp.applyAll(ops, neuron, value.of(d)) >= 0f;
      boolean low = plus.test(-maxDot);
      boolean high = plus.test(maxDot);
      if (low == high) { // constant output: every dot compares the same way
        threshold[j] = low ? Integer.MIN_VALUE : Integer.MAX_VALUE;
        flip[j] = false;
      } else if (high) { // increasing: the smallest d with a +1 output
        threshold[j] = firstTrue(-maxDot, maxDot, plus);
        flip[j] = false;
      } else { // decreasing (negative BN scale): the largest d with a +1 output
        threshold[j] = firstTrue(-maxDot, maxDot, plus.negate()) - 1;
        flip[j] = true;
      }
    }
  }
}
