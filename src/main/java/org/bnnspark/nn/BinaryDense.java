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
    for (int i = 0; i < binarized.length; i++) {
      binarized[i] = kernelQuantizer.forward(ctx.params[paramOffset + i]);
    }
    super.forward(ctx, x, y, n);
  }

  @Override
  protected boolean needsWeightGradientScratch() {
    return true;
  }

  @Override
  protected void accumulateWeightGradient(Context ctx, float[] dwBinary) {
    for (int i = 0; i < dwBinary.length; i++) {
      ctx.grad[paramOffset + i] += dwBinary[i] * kernelQuantizer.gradient(ctx.params[paramOffset + i]);
    }
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
