package org.bnnspark.nn;

/**
 * A real-valued dense layer whose weights are compressed into (−1, 1) by {@code W = tanh(W̃)}: the
 * "weight compression" of Bitwise Neural Networks' first stage (Kim &amp; Smaragdis 2016), which trains
 * real weights that already sit where their signs are meaningful, so the second, bitwise stage can
 * start from them ({@code jobs/train.sh --init-from}). Gradient: {@code dL/dW̃ = dL/dW · (1 − W²)}.
 * The bias stays real.
 */
public final class CompressedDense extends Dense {
  private float[] compressed;

  public CompressedDense(int inSize, int outSize, boolean bias) {
    super(inSize, outSize, bias);
  }

  @Override
  protected float[] effectiveWeights(Context ctx) {
    return compressed;
  }

  @Override
  protected int effectiveOffset() {
    return 0;
  }

  @Override
  public void forward(Context ctx, float[] x, float[] y, int n) {
    if (compressed == null) {
      compressed = new float[weightCount()];
    }
    compress(ctx.params, compressed); // into the layer's buffer: no allocation per training step
    super.forward(ctx, x, y, n);
  }

  private void compress(float[] params, float[] w) {
    for (int i = 0; i < w.length; i++) {
      w[i] = Activation.Kind.TANH.apply(params[paramOffset + i]);
    }
  }

  @Override
  protected boolean needsWeightGradientScratch() {
    return true;
  }

  @Override
  protected void accumulateWeightGradient(Context ctx, float[] dwEffective) {
    for (int i = 0; i < dwEffective.length; i++) {
      ctx.grad[paramOffset + i] += dwEffective[i] * (1f - compressed[i] * compressed[i]);
    }
  }

  /** {@code tanh(W̃)}: what the forward multiplies by, and what a second stage starts from. */
  @Override
  public float[] inferenceWeights(float[] params) {
    float[] w = new float[weightCount()];
    compress(params, w);
    return w;
  }

  @Override
  public float[] transferableParams(float[] params) {
    float[] p = super.transferableParams(params);
    System.arraycopy(inferenceWeights(params), 0, p, 0, weightCount());
    return p;
  }

  @Override
  public String describe() {
    return "Dense(" + inSize + "→" + outSize + ", tanh-compressed" + (bias ? ", bias" : "") + ")";
  }
}
