package org.bnnspark.train;

import java.io.Serializable;

/**
 * What one round (one Spark job) adds up over all partitions: gradient sums — or, under local steps,
 * example-weighted parameter-delta sums — batch-statistics sums, loss, correct predictions and
 * example count; under {@code inner_state: averaged} the inner optimizer states, weighted alike;
 * under compression the partitions' sign messages, kept apart until the driver decodes them.
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

  /** Gradient (or weighted delta) sums; allocated by the first add, so that compressed rounds do not ship it. */
  public long[] grad = new long[0];
  private final int paramCount;
  public final long[] stats;
  public long loss;
  public long correct;
  public long count;
  /** Longest time one partition spent computing (ns): the step's critical path inside tasks. */
  public long maxComputeNanos;
  /** Example-weighted sums of the partitions' inner optimizer states (empty unless shared). */
  public long[] inner = new long[0];
  /** Compressed deltas, one message per partition (merging concatenates; decoding adds exactly). */
  public final java.util.List<SignMessage> signed = new java.util.ArrayList<>();

  /**
   * One partition's delta as signs and one scale per tensor (EF-SignSGD): value i of tensor t is
   * {@code ±scales[t]}, {@code +} where bit i of {@code signs} is set; {@code count} examples weight it.
   */
  public static final class SignMessage implements Serializable {
    private static final long serialVersionUID = 1L;
    private final int partition;
    private final long count;
    private final long[] signs;
    private final float[] scales;

    /** A class rather than a record: Kryo's field serializer (no registrator) cannot build records on JDK 25. */
    public SignMessage(int partition, long count, long[] signs, float[] scales) {
      this.partition = partition;
      this.count = count;
      this.signs = signs;
      this.scales = scales;
    }

    public int partition() {
      return partition;
    }

    public long count() {
      return count;
    }

    public long[] signs() {
      return signs;
    }

    public float[] scales() {
      return scales;
    }
  }

  public StepSums(int paramCount, int stateCount) {
    this.paramCount = paramCount;
    this.stats = new long[stateCount];
  }

  /** Adds {@code weight · v} into the vector sums (the example-weighted parameter delta of a partition). */
  public void addWeighted(float[] v, double weight) {
    addFixed(gradSums(), v, weight * GRAD_SCALE, "parameter delta");
  }

  /** Adds {@code weight · v} into the inner-state sums, sized on first use. */
  public void addInner(float[] v, double weight) {
    if (inner.length == 0) {
      inner = new long[v.length];
    }
    addFixed(inner, v, weight * GRAD_SCALE, "optimizer state");
  }

  /** One vectorizable pass; the range is checked once afterwards (NaN propagates into the maximum). */
  private static void addFixed(long[] into, float[] v, double scale, String what) {
    double maxAbs = 0;
    for (int i = 0; i < v.length; i++) {
      double scaled = v[i] * scale;
      maxAbs = Math.max(maxAbs, Math.abs(scaled));
      into[i] += (long) scaled;
    }
    if (!(maxAbs < LIMIT)) {
      for (int i = 0; i < v.length; i++) {
        toFixed(v[i], scale, what, i); // throws, naming the first bad index
      }
    }
  }

  /** Adds the loss, correct count and examples of one partition (local steps: over its inner steps). */
  public void addCounts(double lossSum, long correctCount, long examples) {
    loss += toFixed(lossSum, GRAD_SCALE, "loss", 0);
    correct += correctCount;
    count += examples;
  }

  /** Adds summed batch statistics. */
  public void addStats(double[] statSums) {
    for (int i = 0; i < statSums.length; i++) {
      stats[i] += toFixed(statSums[i], STAT_SCALE, "batch statistic", i);
    }
  }

  /** Mean of the inner-state sums over all examples. */
  public float[] meanInner() {
    float[] g = new float[inner.length];
    double k = 1.0 / (GRAD_SCALE * Math.max(1, count));
    for (int i = 0; i < g.length; i++) {
      g[i] = (float) (inner[i] * k);
    }
    return g;
  }

  /** Adds one partition's float sums. */
  public void add(float[] gradSums, double[] statSums, double lossSum, long correctCount, long examples) {
    addFixed(gradSums(), gradSums, GRAD_SCALE, "gradient");
    addStats(statSums);
    addCounts(lossSum, correctCount, examples);
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
    if (other.grad.length > 0) {
      long[] g = gradSums();
      for (int i = 0; i < g.length; i++) {
        g[i] += other.grad[i];
      }
    }
    for (int i = 0; i < stats.length; i++) {
      stats[i] += other.stats[i];
    }
    loss += other.loss;
    correct += other.correct;
    count += other.count;
    maxComputeNanos = Math.max(maxComputeNanos, other.maxComputeNanos);
    if (other.inner.length > 0) {
      if (inner.length == 0) {
        inner = new long[other.inner.length];
      }
      for (int i = 0; i < inner.length; i++) {
        inner[i] += other.inner[i];
      }
    }
    signed.addAll(other.signed);
    return this;
  }

  public int paramCount() {
    return paramCount;
  }

  private long[] gradSums() {
    if (grad.length != paramCount) {
      grad = new long[paramCount];
    }
    return grad;
  }

  /** Mean gradient over all examples. */
  public float[] meanGradient() {
    float[] g = new float[paramCount];
    double k = 1.0 / (GRAD_SCALE * Math.max(1, count));
    for (int i = 0; i < grad.length; i++) {
      g[i] = (float) (grad[i] * k);
    }
    return g;
  }

  /** Summed gradient (not divided by the count). */
  public double[] gradientSums() {
    double[] g = new double[paramCount];
    for (int i = 0; i < grad.length; i++) {
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
