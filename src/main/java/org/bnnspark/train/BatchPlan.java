package org.bnnspark.train;

import java.util.SplittableRandom;

/**
 * Which of a partition's rows go into each step of an epoch.
 *
 * <p>An epoch has {@code steps = ⌈N / B⌉} global steps ({@code N} rows in all, batch {@code B}).
 * Partition {@code k} with {@code n_k} rows shuffles its rows with a generator seeded from
 * {@code (seed, epoch, k)} only — never from a task attempt, so a retried task computes the same
 * thing — and at step {@code s} takes positions {@code [⌊s·n_k/steps⌋, ⌊(s+1)·n_k/steps⌋)} of that
 * permutation: about {@code B·n_k/N} rows, every row exactly once per epoch, and the global batch
 * (the union over partitions) about {@code B}.
 */
public final class BatchPlan {
  private BatchPlan() {}

  public static int stepsPerEpoch(long totalRows, int batchSize) {
    return (int) Math.max(1, (totalRows + batchSize - 1) / batchSize);
  }

  /** The shuffled order of a partition's {@code n} rows in an epoch. */
  /** Seed of the random draws of one partition's share of one step (stochastic binarization). */
  public static long noiseSeed(long seed, int epoch, int step, int partition) {
    long mixed = seed * 0x9E3779B97F4A7C15L + epoch * 0xBF58476D1CE4E5B9L + step * 0xD6E8FEB86659FD93L
        + partition * 0x94D049BB133111EBL + 0x632BE59BD9B4E019L;
    return new SplittableRandom(mixed).nextLong();
  }

  public static int[] permutation(long seed, int epoch, int partition, int n) {
    long mixed = seed * 0x9E3779B97F4A7C15L + epoch * 0xBF58476D1CE4E5B9L + partition * 0x94D049BB133111EBL;
    SplittableRandom rng = new SplittableRandom(mixed);
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    for (int i = n - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    return order;
  }

  public static int sliceStart(int n, int step, int steps) {
    return (int) ((long) step * n / steps);
  }
}
