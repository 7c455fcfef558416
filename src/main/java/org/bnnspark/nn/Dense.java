package org.bnnspark.nn;

import java.util.SplittableRandom;

/**
 * Fully connected layer {@code y = x · Wᵀ + b} with real weights {@code W (out × in)} stored row-major
 * at the layer's parameter offset, followed by the optional bias {@code b (out)}.
 *
 * <p>Backward: {@code dx = dy · W}, {@code dW += dyᵀ · x}, {@code db += Σ_rows dy}. Subclasses
 * change which weights the products use ({@link #effectiveWeights}) and how the weight gradient
 * reaches the stored parameters ({@link #accumulateWeightGradient}); the products stay here, once.
 * Initialization: Glorot uniform, bias 0.
 */
public class Dense extends Layer {
  protected final boolean bias;

  public Dense(int inSize, int outSize, boolean bias) {
    super(inSize, outSize);
    this.bias = bias;
  }

  protected final int weightCount() {
    return inSize * outSize;
  }

  @Override
  public int paramCount() {
    return weightCount() + (bias ? outSize : 0);
  }

  @Override
  public void initParams(float[] params, SplittableRandom rng) {
    float limit = (float) Math.sqrt(6.0 / (inSize + outSize));
    for (int i = 0; i < weightCount(); i++) {
      params[paramOffset + i] = (float) ((rng.nextDouble() * 2 - 1) * limit);
    }
    // bias starts at 0, as the array does
  }

  /** Array holding the weights the products use; the weights start at {@link #effectiveOffset()}. */
  protected float[] effectiveWeights(Context ctx) {
    return ctx.params;
  }

  protected int effectiveOffset() {
    return paramOffset;
  }

  /** Adds {@code dL/dW_effective} (at {@code dw[0..]} when {@code scratch}, else already in the gradient) into the gradient. */
  protected boolean needsWeightGradientScratch() {
    return false;
  }

  /** Maps the gradient w.r.t. the effective weights (in {@code dwEffective}) onto the stored parameters. */
  protected void accumulateWeightGradient(Context ctx, float[] dwEffective) {
    throw new UnsupportedOperationException();
  }

  private float[] dwScratch;

  @Override
  public void forward(Context ctx, float[] x, float[] y, int n) {
    Blas.xwT(x, n, inSize, effectiveWeights(ctx), effectiveOffset(), outSize, 0f, y);
    if (bias) {
      int b = paramOffset + weightCount();
      for (int r = 0; r < n; r++) {
        int row = r * outSize;
        for (int j = 0; j < outSize; j++) {
          y[row + j] += ctx.params[b + j];
        }
      }
    }
  }

  @Override
  public void backward(Context ctx, float[] x, float[] y, float[] dy, float[] dx, int n) {
    if (dx != null) {
      Blas.dyW(dy, n, outSize, effectiveWeights(ctx), effectiveOffset(), inSize, dx);
    }
    if (needsWeightGradientScratch()) {
      if (dwScratch == null) {
        dwScratch = new float[weightCount()];
      }
      java.util.Arrays.fill(dwScratch, 0f);
      Blas.addDyTx(dy, n, outSize, x, inSize, dwScratch, 0);
      accumulateWeightGradient(ctx, dwScratch);
    } else {
      Blas.addDyTx(dy, n, outSize, x, inSize, ctx.grad, paramOffset);
    }
    if (bias) {
      int b = paramOffset + weightCount();
      for (int r = 0; r < n; r++) {
        int row = r * outSize;
        for (int j = 0; j < outSize; j++) {
          ctx.grad[b + j] += dy[row + j];
        }
      }
    }
  }

  @Override
  public String describe() {
    return "Dense(" + inSize + "→" + outSize + (bias ? ", bias" : "") + ")";
  }
}
