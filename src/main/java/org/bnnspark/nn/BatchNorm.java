package org.bnnspark.nn;

/**
 * Batch normalization over the rows of a batch (Ioffe & Szegedy 2015), per feature j:
 * <pre>
 *   training:  μ = mean_r x_rj,  σ² = mean_r (x_rj − μ)²,  x̂ = (x − μ)/√(σ² + ε),  y = γ x̂ + β
 *   inference: the same with the running statistics in place of μ, σ²
 *   backward:  dγ = Σ_r dy x̂,  dβ = Σ_r dy,
 *              training: dx = γ/(n √(σ² + ε)) · (n dy − Σ_r dy − x̂ Σ_r dy x̂)
 *              inference (frozen statistics): dx = γ/√(σ²_run + ε) · dy
 * </pre>
 * Parameters {@code [γ(f), β(f)]}; state {@code [runningMean(f), runningVar(f)]}, not trainable.
 *
 * <p>The running statistics are not updated inside the forward pass. A training forward records
 * {@code n·μ} and {@code n·σ²} into {@link Context#statSums}; whoever owns the state (the local
 * trainer, or the Spark driver after summing all partitions) then calls {@link #updateState}:
 * {@code running ← (1 − m)·running + m·(Σ n·stat / Σ n)}. Under data parallelism the batch
 * statistics are therefore per partition, and the running statistics their example-weighted mean.
 * Under local steps a round spans H steps whose statistics arrive summed: the H updates are folded
 * into one, {@code running ← (1 − m)^H·running + (1 − (1 − m)^H)·mean}, exact when the H batch
 * means are equal and the same as the per-step rule for H = 1.
 *
 * <p>On an image the features are its channels (spatial BatchNorm): the statistics of channel j run
 * over all {@code n·height·width} values of the batch, as in every CNN framework; the recorded sums
 * stay weighted by examples.
 *
 * <p><b>Shift-based</b> ({@code "shift_based": true}; BinaryNet, Hubara et al. 2016, Algorithm 3): every
 * multiplication becomes a shift by rounding its factor to a power of two,
 * {@code AP2(z) = sign(z)·2^round(log2|z|)}:
 * <pre>
 *   C = x − μ,  σ²_apx = mean_r C ⊙ AP2(C),  x̂ = C · AP2(1/√(σ²_apx + ε)),  y = AP2(γ) x̂ + β
 * </pre>
 * (inference: the running μ and σ²_apx). The backward pass passes the gradient straight through
 * every AP2: it is the exact BatchNorm's backward evaluated at the shift-based forward's values
 * ({@code x̂}, the rounded scale s and AP2(γ)), {@code dγ = Σ_r dy x̂}. (Holding the rounded scale
 * constant instead — its exact derivative almost everywhere — drops the variance term and trains
 * markedly worse: 0.204 vs 0.136 training loss after 3 MNIST epochs of the quick-start network.)
 * The packed model folds it like any BatchNorm.
 */
public final class BatchNorm extends Layer {
  private final float epsilon;
  private final float momentum;
  private float[] xhat;
  private float[] invStd;
  private boolean lastForwardTrained;

  private final int channels;
  private final boolean shiftBased;

  public BatchNorm(int features, float epsilon, float momentum) {
    this(Shape.flat(features), epsilon, momentum, false);
  }

  public BatchNorm(Shape shape, float epsilon, float momentum, boolean shiftBased) {
    super(shape, shape);
    this.channels = shape.channels();
    this.epsilon = epsilon;
    this.momentum = momentum;
    this.shiftBased = shiftBased;
  }

  public boolean shiftBased() {
    return shiftBased;
  }

  /** {@code AP2(z) = sign(z)·2^round(log2|z|)}, the power of two nearest to {@code z} in log scale (0 for 0). */
  public static float ap2(float z) {
    if (z == 0f || !Float.isFinite(z)) {
      return z;
    }
    int exponent = (int) Math.round(Math.log(Math.abs(z)) / Math.log(2));
    return Math.copySign(Math.scalb(1f, exponent), z);
  }

  /** The γ the forward multiplies by, per feature: γ itself, or AP2(γ) when shift-based. */
  private float[] gammas(float[] params) {
    float[] g = java.util.Arrays.copyOfRange(params, paramOffset, paramOffset + channels);
    if (shiftBased) {
      for (int j = 0; j < g.length; j++) {
        g[j] = ap2(g[j]);
      }
    }
    return g;
  }

  public float epsilon() {
    return epsilon;
  }

  @Override
  public int paramCount() {
    return 2 * channels;
  }

  @Override
  public int stateCount() {
    return 2 * channels;
  }

  @Override
  public void initParams(float[] params, java.util.SplittableRandom rng) {
    java.util.Arrays.fill(params, paramOffset, paramOffset + channels, 1f);
  }

  @Override
  public void initState(float[] state) {
    java.util.Arrays.fill(state, stateOffset + channels, stateOffset + 2 * channels, 1f);
  }

  @Override
  public void forward(Context ctx, float[] x, float[] y, int examples) {
    int f = channels;
    int n = examples * inShape.positions(); // values per channel
    float[] p = ctx.params;
    int g = paramOffset;
    int b = paramOffset + f;
    if (xhat == null || xhat.length < n * f) {
      xhat = new float[n * f];
    }
    if (invStd == null) {
      invStd = new float[f];
    }
    lastForwardTrained = ctx.training;
    if (!ctx.training) {
      int m = stateOffset;
      int v = stateOffset + f;
      float[] gammas = gammas(p);
      for (int j = 0; j < f; j++) {
        invStd[j] = scaleOf(ctx.state[v + j]);
        for (int r = 0; r < n; r++) {
          float h = (x[r * f + j] - ctx.state[m + j]) * invStd[j];
          xhat[r * f + j] = h;
          y[r * f + j] = normalize(x[r * f + j], ctx.state[m + j], invStd[j], gammas[j], p[b + j]);
        }
      }
      return;
    }
    double[] mean = new double[f];
    double[] var = new double[f];
    for (int r = 0; r < n; r++) {
      for (int j = 0; j < f; j++) {
        mean[j] += x[r * f + j];
      }
    }
    for (int j = 0; j < f; j++) {
      mean[j] /= n;
    }
    for (int r = 0; r < n; r++) {
      for (int j = 0; j < f; j++) {
        double d = x[r * f + j] - mean[j];
        var[j] += shiftBased ? d * ap2((float) d) : d * d;
      }
    }
    for (int j = 0; j < f; j++) {
      var[j] /= n;
      invStd[j] = shiftBased ? ap2((float) (1.0 / Math.sqrt(var[j] + epsilon))) : (float) (1.0 / Math.sqrt(var[j] + epsilon));
      if (ctx.statSums != null) {
        ctx.statSums[stateOffset + j] += examples * mean[j];
        ctx.statSums[stateOffset + f + j] += examples * var[j];
      }
    }
    float[] gammas = gammas(p);
    for (int r = 0; r < n; r++) {
      for (int j = 0; j < f; j++) {
        int i = r * f + j;
        float h = (float) (x[i] - mean[j]) * invStd[j];
        xhat[i] = h;
        y[i] = gammas[j] * h + p[b + j];
      }
    }
  }

  /** The inference scale for a running variance: {@code 1/√(σ² + ε)}, rounded to a power of two when shift-based. */
  private float scaleOf(float variance) {
    float inv = invStd(variance, epsilon);
    return shiftBased ? ap2(inv) : inv;
  }

  /** {@code 1/√(σ² + ε)} as inference computes it (the packed model stores this value). */
  public static float invStd(float variance, float epsilon) {
    return (float) (1.0 / Math.sqrt(variance + epsilon));
  }

  /**
   * Inference-mode output for one value: {@code γ·((x − μ)·invStd) + β}, in this order of float
   * operations. The packed model evaluates this same function (to fold it into integer thresholds
   * and for float outputs), so both agree bit for bit.
   */
  public static float normalize(float x, float mean, float invStd, float gamma, float beta) {
    return gamma * ((x - mean) * invStd) + beta;
  }

  @Override
  public Lowering lower(float[] params, float[] state) {
    return new Lowering.Op(Lowering.OpKind.BATCH_NORM, inferenceParameters(params, state));
  }

  /** Inference-mode parameters per feature: {@code [mean, invStd, γ, β]}, each {@code features} long. */
  private float[][] inferenceParameters(float[] params, float[] state) {
    int f = channels;
    float[] mean = java.util.Arrays.copyOfRange(state, stateOffset, stateOffset + f);
    float[] inv = new float[f];
    for (int j = 0; j < f; j++) {
      inv[j] = scaleOf(state[stateOffset + f + j]);
    }
    return new float[][] {mean, inv, gammas(params), java.util.Arrays.copyOfRange(params, paramOffset + f, paramOffset + 2 * f)};
  }

  @Override
  public void backward(Context ctx, float[] x, float[] y, float[] dy, float[] dx, int examples) {
    int f = channels;
    int n = examples * inShape.positions();
    int g = paramOffset;
    int b = paramOffset + f;
    double[] sumDy = new double[f];
    double[] sumDyXhat = new double[f];
    for (int r = 0; r < n; r++) {
      for (int j = 0; j < f; j++) {
        int i = r * f + j;
        sumDy[j] += dy[i];
        sumDyXhat[j] += dy[i] * xhat[i];
      }
    }
    for (int j = 0; j < f; j++) {
      ctx.grad[g + j] += (float) sumDyXhat[j];
      ctx.grad[b + j] += (float) sumDy[j];
    }
    if (dx == null) {
      return;
    }
    float[] gammas = gammas(ctx.params);
    if (!lastForwardTrained) {
      // running statistics are constants: dx = γ / √(σ²_run + ε) · dy
      for (int r = 0; r < n; r++) {
        for (int j = 0; j < f; j++) {
          dx[r * f + j] = gammas[j] * invStd[j] * dy[r * f + j];
        }
      }
      return;
    }
    for (int r = 0; r < n; r++) {
      for (int j = 0; j < f; j++) {
        int i = r * f + j;
        double k = gammas[j] * invStd[j] / n;
        dx[i] = (float) (k * (n * (double) dy[i] - sumDy[j] - xhat[i] * sumDyXhat[j]));
      }
    }
  }

  @Override
  public void updateState(float[] state, double[] statSums, long count, int steps) {
    if (count <= 0) {
      return;
    }
    if (steps == 1) {
      for (int i = stateOffset; i < stateOffset + 2 * channels; i++) {
        state[i] = (float) ((1 - momentum) * state[i] + momentum * (statSums[i] / count));
      }
      return;
    }
    double m = 1 - StrictMath.pow(1 - momentum, steps);
    for (int i = stateOffset; i < stateOffset + 2 * channels; i++) {
      state[i] = (float) ((1 - m) * state[i] + m * (statSums[i] / count));
    }
  }

  @Override
  public String describe() {
    return (shiftBased ? "ShiftBatchNorm(" : "BatchNorm(") + (inShape.isFlat() ? outSize : channels + " channels of " + inShape) + ")";
  }
}
