package org.bnnspark.train;

import java.io.Serializable;

/**
 * What one training step adds up over all partitions: gradient sums, batch-statistics sums, loss,
 * correct predictions and example count.
 *
 * <p>Sums are held in fixed point ({@code round(v · 2^32)} for gradients and loss, {@code 2^24} for
 * the larger batch statistics) so that adding partitions is exact integer arithmetic and therefore
 * independent of the order in which Spark merges them: {@code local[1]}, {@code local[2]} and a
 * cluster produce the same model bit for bit. Within a partition the engine sums in float as
 * usual; the conversion happens once per partition and step. The resolution (2.3e−10) is far below
 * float precision of any gradient that matters.
 */
public final class StepSums implements Serializable {
  static final double GRAD_SCALE = 0x1p32;
  static final double STAT_SCALE = 0x1p24;
  private static final double LIMIT = 0x1p62;

  public final long[] grad;
  public final long[] stats;
  public long loss;
  public long correct;
  public long count;
  /** Longest time one partition spent computing (ns): the step's critical path inside tasks. */
  public long maxComputeNanos;

  public StepSums(int paramCount, int stateCount) {
    this.grad = new long[paramCount];
    this.stats = new long[stateCount];
  }

  /** Adds one partition's float sums. */
  public void add(float[] gradSums, double[] statSums, double lossSum, long correctCount, long examples) {
    // one vectorizable pass; the range is checked once afterwards (NaN propagates into max)
    double maxAbs = 0;
    for (int i = 0; i < gradSums.length; i++) {
      double scaled = gradSums[i] * GRAD_SCALE;
      maxAbs = Math.max(maxAbs, Math.abs(scaled));
      grad[i] += (long) scaled;
    }
    if (!(maxAbs < LIMIT)) {
      for (int i = 0; i < gradSums.length; i++) {
        toFixed(gradSums[i], GRAD_SCALE, "gradient", i); // throws, naming the first bad index
      }
    }
    for (int i = 0; i < statSums.length; i++) {
      stats[i] += toFixed(statSums[i], STAT_SCALE, "batch statistic", i);
    }
    loss += toFixed(lossSum, GRAD_SCALE, "loss", 0);
    correct += correctCount;
    count += examples;
  }

  private static long toFixed(double v, double scale, String what, int index) {
    double scaled = v * scale;
    if (!(Math.abs(scaled) < LIMIT)) {
      throw new ArithmeticException("non-finite or overflowing " + what + " (index " + index + ", value " + v
          + "): training diverged; lower the learning rate");
    }
    return (long) scaled; // truncation: one instruction, and as deterministic as rounding
  }

  /** Adds another partial sum (associative and commutative: integer addition). */
  public StepSums merge(StepSums other) {
    for (int i = 0; i < grad.length; i++) {
      grad[i] += other.grad[i];
    }
    for (int i = 0; i < stats.length; i++) {
      stats[i] += other.stats[i];
    }
    loss += other.loss;
    correct += other.correct;
    count += other.count;
    maxComputeNanos = Math.max(maxComputeNanos, other.maxComputeNanos);
    return this;
  }

  /** Mean gradient over all examples. */
  public float[] meanGradient() {
    float[] g = new float[grad.length];
    double k = 1.0 / (GRAD_SCALE * Math.max(1, count));
    for (int i = 0; i < g.length; i++) {
      g[i] = (float) (grad[i] * k);
    }
    return g;
  }

  /** Summed gradient (not divided by the count). */
  public double[] gradientSums() {
    double[] g = new double[grad.length];
    for (int i = 0; i < g.length; i++) {
      g[i] = grad[i] / GRAD_SCALE;
    }
    return g;
  }

  public double[] statSums() {
    double[] s = new double[stats.length];
    for (int i = 0; i < s.length; i++) {
      s[i] = stats[i] / STAT_SCALE;
    }
    return s;
  }

  public double lossSum() {
    return loss / GRAD_SCALE;
  }
}
