package org.bnnspark.nn;

/**
 * Fully connected layer with binary weights (BinaryConnect, Courbariaux et al. 2015; BinaryNet,
 * Hubara et al. 2016): the stored parameters are latent real weights {@code W}, the forward pass
 * uses {@code W_b = Q(W)} ({@code Q = sign}), and the straight-through estimator passes the
 * gradient back as {@code dL/dW = dL/dW_b · Q'(W)} with the quantizer's pseudo-gradient
 * ({@code 1{|W| ≤ 1}} for {@code ste_sign}). Latent weights are clipped to [−1, 1] after every step.
 *
 * <p>The input is whatever the previous layer produced: real values for a first layer, or ±1 when
 * a {@link SignActivation} precedes it (then {@code x · W_bᵀ} is an exact integer, which the packed
 * XNOR model reproduces bit for bit).
 */
public final class BinaryDense extends Dense {
  private final Quantizer kernelQuantizer;
  private float[] binarized;
  /** Whether every latent weight of the last forward lay in [−1, 1] (always, once clipped). */
  private boolean latentInsideClip;

  public BinaryDense(int inSize, int outSize, boolean bias, Quantizer kernelQuantizer) {
    super(inSize, outSize, bias);
    this.kernelQuantizer = kernelQuantizer;
  }

  public Quantizer kernelQuantizer() {
    return kernelQuantizer;
  }

  public boolean hasBias() {
    return bias;
  }

  @Override
  protected float[] effectiveWeights(Context ctx) {
    // Forward binarizes; backward of the same batch reuses the forward's binarized copy.
    return binarized;
  }

  @Override
  protected int effectiveOffset() {
    return 0;
  }

  @Override
  public void forward(Context ctx, float[] x, float[] y, int n) {
    if (binarized == null) {
      binarized = new float[weightCount()];
    }
    float[] p = ctx.params;
    int off = paramOffset;
    float maxAbs = 0f;
    if (ctx.training && kernelQuantizer.stochastic()) {
      // one stream per layer and pass: the layer's offset separates layers drawing in the same pass
      java.util.SplittableRandom rng = new java.util.SplittableRandom(ctx.noiseSeed + 0x9E3779B97F4A7C15L * (paramOffset + 1L));
      for (int i = 0; i < binarized.length; i++) {
        float w = p[off + i];
        binarized[i] = rng.nextFloat() < Quantizer.hardSigmoid(w) ? 1f : -1f;
        maxAbs = Math.max(maxAbs, Math.abs(w));
      }
    } else {
      // sign(w) as copySign(1, w + 0): branch-free (latent signs are random, so a branch mispredicts
      // half the time) and vectorizable; adding +0 turns −0 into +0, so sign(−0) = +1 as everywhere else
      for (int i = 0; i < binarized.length; i++) {
        float w = p[off + i];
        binarized[i] = Math.copySign(1f, w + 0f);
        maxAbs = Math.max(maxAbs, Math.abs(w));
      }
    }
    latentInsideClip = maxAbs <= 1f;
    super.forward(ctx, x, y, n);
  }

  @Override
  protected boolean needsWeightGradientScratch() {
    // ste_sign (and stochastic_sign) pass the gradient unchanged where |w| ≤ 1: with every latent
    // weight clipped the product can accumulate straight into the gradient
    return !(kernelQuantizer.identityInsideClip() && latentInsideClip);
  }

  @Override
  protected void accumulateWeightGradient(Context ctx, float[] dwBinary) {
    float[] p = ctx.params;
    float[] g = ctx.grad;
    int off = paramOffset;
    for (int i = 0; i < dwBinary.length; i++) {
      g[off + i] += dwBinary[i] * kernelQuantizer.gradient(p[off + i]);
    }
  }

  /** ±1: the binarized latent weights, {@code out × in}. */
  @Override
  public float[] inferenceWeights(float[] params) {
    float[] w = new float[weightCount()];
    for (int i = 0; i < w.length; i++) {
      w[i] = kernelQuantizer.forward(params[paramOffset + i]);
    }
    return w;
  }

  @Override
  public void clipLatent(float[] params) {
    for (int i = paramOffset, end = paramOffset + weightCount(); i < end; i++) {
      float w = params[i];
      params[i] = w > 1f ? 1f : (w < -1f ? -1f : w);
    }
  }

  @Override
  public int binaryWeightCount() {
    return weightCount();
  }

  @Override
  public String describe() {
    return "BinaryDense(" + inSize + "→" + outSize + ", " + kernelQuantizer.configName() + (bias ? ", bias" : "") + ")";
  }
}
