package org.bnnspark.inference;

import java.util.Arrays;

/**
 * One stage of a packed model: an optional linear product, then per-feature operations, then
 * optionally a sign. Which arithmetic runs depends on the stage's input representation:
 *
 * <ul>
 *   <li>binary weights on packed ±1 inputs → XNOR-popcount integer dots;</li>
 *   <li>binary weights on 8-bit input levels → exact integer dots {@code Σ (2q − 255)·w};</li>
 *   <li>anything on float inputs, or real weights → the training graph's own float product.</li>
 * </ul>
 *
 * When integer dots are followed by a sign, the whole chain is folded into {@code threshold} and
 * {@code flip} (output bit = {@code dot ≥ threshold}, or {@code ≤} where flipped) and {@code ops} is
 * empty: such a stage goes bits → popcount → compare → bits with no float at all.
 *
 * @param linear which product the stage starts with
 * @param in input width
 * @param out output width
 * @param binaryWeights {@code out} packed rows of {@code in} ±1 weights (linear = BINARY), else null
 * @param realWeights {@code out × in} row-major float weights (linear = REAL), else null
 * @param threshold per-neuron integer thresholds of a folded stage, else null
 * @param flip per-neuron comparison direction of a folded stage, else null
 * @param ops per-feature float operations (empty for a folded stage)
 * @param signOut whether the stage ends in a sign (its output is packed bits)
 */
public record PackedStage(Linear linear, int in, int out, long[] binaryWeights, float[] realWeights, int[] threshold,
    boolean[] flip, PointwiseOp[] ops, boolean signOut) {

  /** The product a stage starts with. */
  public enum Linear {
    NONE(0), BINARY(1), REAL(2);

    final int code;

    Linear(int code) {
      this.code = code;
    }

    static Linear byCode(int code, String source) {
      for (Linear l : values()) {
        if (l.code == code) {
          return l;
        }
      }
      throw new IllegalArgumentException(source + ": unknown stage kind " + code);
    }
  }

  public boolean folded() {
    return threshold != null;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PackedStage s && s.linear == linear && s.in == in && s.out == out
        && Arrays.equals(s.binaryWeights, binaryWeights) && Arrays.equals(s.realWeights, realWeights)
        && Arrays.equals(s.threshold, threshold) && Arrays.equals(s.flip, flip) && Arrays.equals(s.ops, ops)
        && s.signOut == signOut;
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(binaryWeights) * 31 + Arrays.hashCode(threshold) + in * 7 + out;
  }

  @Override
  public String toString() {
    return "PackedStage(" + linear + " " + in + "→" + out + (folded() ? ", thresholds" : ", ops=" + Arrays.toString(ops))
        + (signOut ? ", sign" : "") + ")";
  }
}
