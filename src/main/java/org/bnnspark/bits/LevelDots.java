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
 * <p>A convolution on levels runs the other way round ({@link #scatter}): each non-zero level is
 * added, times the ±1 weights its taps meet, into every output position whose window holds it, all
 * filters at once — so the zero levels (most of an image's pixels) cost nothing at all.
 *
 * <p>Implementations: {@link #portable()} (scalar) and a Vector API kernel (16-bit lanes, widened
 * every 128 non-zero levels, before a 16-bit sum could overflow; int lanes over the filters for
 * {@link #scatter}); {@link #best()} picks at run time.
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

  /**
   * {@code sums[targets[e]·f + j] += q · w[rows[e]·f + j]} for e in [from, to), j in [0, f): one
   * non-zero input level of a convolution spread over the output positions whose windows hold it
   * ({@code targets[e]}), each through the row of ±1 weights, one per filter, its tap meets
   * ({@code rows[e]}).
   */
  public abstract void scatter(int q, int[] rows, int[] targets, int from, int to, int[] w, int f, int[] sums);

  /** The scalar {@link #scatter} of filters {@code [j0, f)}. */
  static void scalarScatter(int q, int[] rows, int[] targets, int from, int to, int[] w, int j0, int f, int[] sums) {
    for (int e = from; e < to; e++) {
      int row = rows[e] * f;
      int target = targets[e] * f;
      for (int j = j0; j < f; j++) {
        sums[target + j] += q * w[row + j];
      }
    }
  }

  /** The scalar reference. */
  static final LevelDots PORTABLE = new LevelDots() {
    @Override
    public String name() {
      return "ScalarLevelDots";
    }

    @Override
    public void scatter(int q, int[] rows, int[] targets, int from, int to, int[] w, int f, int[] sums) {
      scalarScatter(q, rows, targets, from, to, w, 0, f, sums);
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
    return KernelChoice.pick(LevelDots::vectorOrNull, portable());
  }
}
