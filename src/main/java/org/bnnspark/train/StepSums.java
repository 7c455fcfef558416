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
 *
 * <p>A partition's own vector travels as floats: until a second vector joins it, the sums hold the
 * partition's float vector and its scale, and convert it at the first merge (on the driver, or on an
 * executor of a tree merge). The conversion is the same function of the same values wherever it
 * runs, so the sums are the same bits; the task result is half the size of 64-bit sums (4 bytes per
 * parameter instead of 8, every round). The range is checked where the vector is added, so a
 * diverged partition still fails its own task.
 */
public final class StepSums implements Serializable {
  static final double GRAD_SCALE = 0x1p32;
  static final double STAT_SCALE = 0x1p24;
  private static final double LIMIT = 0x1p62;

  /** Gradient (or weighted delta) sums; allocated when needed, so that compressed rounds do not ship it. */
  private long[] grad = new long[0];
  /** One partition's vector not yet converted into {@link #grad} (null once converted), and its fixed-point scale. */
  private float[] pending;
  private double pendingScale;
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

  /**
   * Adds {@code weight · v} into the vector sums (the example-weighted parameter delta of a partition).
   * Keeps {@code v} until the sums are merged or read: the caller hands it over and does not change it.
   */
  public void addWeighted(float[] v, double weight) {
    addVector(v, weight * GRAD_SCALE, "parameter delta");
  }

  private void addVector(float[] v, double scale, String what) {
    checkRange(v, scale, what);
    if (pending == null && grad.length == 0) {
      pending = v;
      pendingScale = scale;
    } else {
      addFixed(fixedSums(), v, scale, what);
    }
  }

  /** Throws, naming the first bad index, when a value would leave the fixed-point range (NaN included). */
  private static void checkRange(float[] v, double scale, String what) {
    double maxAbs = 0;
    for (int i = 0; i < v.length; i++) {
      maxAbs = Math.max(maxAbs, Math.abs(v[i] * scale));
    }
    failOutsideRange(maxAbs, v, scale, what);
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
    failOutsideRange(maxAbs, v, scale, what);
  }

  private static void failOutsideRange(double maxAbs, float[] v, double scale, String what) {
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

  /** Adds one partition's float sums (copied: the caller keeps its buffer). */
  public void add(float[] gradSums, double[] statSums, double lossSum, long correctCount, long examples) {
    addVector(gradSums.clone(), GRAD_SCALE, "gradient");
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
    if (other.pending != null) {
      addFixed(fixedSums(), other.pending, other.pendingScale, "vector");
    } else if (other.grad.length > 0) {
      long[] g = fixedSums();
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

  /** The vector sums in fixed point ({@code trunc(v · 2^32)} summed), converting a partition's float vector first. */
  public long[] fixedSums() {
    if (grad.length != paramCount) {
      grad = new long[paramCount];
    }
    if (pending != null) {
      float[] v = pending;
      pending = null;
      addFixed(grad, v, pendingScale, "vector");
    }
    return grad;
  }

  /** Whether there are vector sums (none in a compressed round, or before anything was added). */
  public boolean hasVector() {
    return pending != null || grad.length > 0;
  }

  /** A partition's float vector not yet converted, or null: what the wire carries instead of the sums. */
  public float[] pendingVector() {
    return pending;
  }

  /** The fixed-point scale of {@link #pendingVector}. */
  public double pendingScale() {
    return pendingScale;
  }

  /** Sets the vector sums from the wire: a partition's float vector and scale, or (vector null) fixed-point sums. */
  public void setVector(float[] vector, double scale, long[] sums) {
    pending = vector;
    pendingScale = scale;
    grad = vector == null ? sums : new long[0];
  }

  /** Mean gradient over all examples. */
  public float[] meanGradient() {
    float[] g = new float[paramCount];
    long[] grad = hasVector() ? fixedSums() : this.grad;
    double k = 1.0 / (GRAD_SCALE * Math.max(1, count));
    for (int i = 0; i < grad.length; i++) {
      g[i] = (float) (grad[i] * k);
    }
    return g;
  }

  /** Summed gradient (not divided by the count). */
  public double[] gradientSums() {
    double[] g = new double[paramCount];
    long[] grad = hasVector() ? fixedSums() : this.grad;
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
