package org.bnnspark.bits;

/**
 * Products of 8-bit input levels with ±1 weights, the first layer of a packed model.
 *
 * <p>For one row of levels {@code q_i ∈ [0, 255]} and weights {@code w_ij ∈ {−1, +1}} stored as a
 * transposed byte mask ({@code mask[i*out + j]} = −1 (0xFF) where {@code w_ij = +1}, else 0), a
 * kernel computes the positive sums {@code P_j = Σ_i q_i·[w_ij = +1]} and returns the level total
 * {@code T = Σ_i q_i}; then {@code Σ_i q_i w_ij = 2P_j − T}. Zero levels are skipped, which is most of
 * the work for inputs such as pixels; the sums are exact integers.
 *
 * <p>Implementations: {@link #portable()} (scalar) and a Vector API kernel (16-bit lanes, widened
 * every 128 non-zero levels, before a 16-bit sum could overflow); {@link #best()} picks at run time.
 */
public abstract class LevelDots {

  public abstract String name();

  /**
   * Writes {@code P_j} for one row into {@code p[pOff … pOff+out)} and returns {@code T}.
   *
   * @param levels the row's levels at {@code levels[lOff … lOff+in)}
   * @param mask {@code in × out} positive-weight mask, row i = input i
   */
  public abstract int positiveSums(int[] levels, int lOff, int in, byte[] mask, int out, int[] p, int pOff);

  /** The scalar reference. */
  static final LevelDots PORTABLE = new LevelDots() {
    @Override
    public String name() {
      return "ScalarLevelDots";
    }

    @Override
    public int positiveSums(int[] levels, int lOff, int in, byte[] mask, int out, int[] p, int pOff) {
      java.util.Arrays.fill(p, pOff, pOff + out, 0);
      int total = 0;
      for (int i = 0; i < in; i++) {
        int q = levels[lOff + i];
        if (q == 0) {
          continue;
        }
        total += q;
        int m = i * out;
        for (int j = 0; j < out; j++) {
          p[pOff + j] += q & mask[m + j];
        }
      }
      return total;
    }
  };

  private static final LevelDots BEST = select();

  public static LevelDots best() {
    return BEST;
  }

  public static LevelDots portable() {
    return PORTABLE;
  }

  /** The vector kernel, or null without {@code jdk.incubator.vector}. */
  public static LevelDots vectorOrNull() {
    try {
      return VectorLevelDots.available() ? VectorLevelDots.INSTANCE : null;
    } catch (LinkageError e) {
      return null;
    }
  }

  private static LevelDots select() {
    if (Boolean.getBoolean("bnn.kernel.portable")) {
      return portable();
    }
    LevelDots v = vectorOrNull();
    return v != null ? v : portable();
  }
}
