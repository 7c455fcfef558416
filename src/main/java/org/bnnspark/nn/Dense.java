package org.bnnspark.nn;

import java.util.List;
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
  private float[] transposed;
  private float[] xT = new float[0];
  private float[] yT = new float[0];

  @Override
  public void forward(Context ctx, float[] x, float[] y, int n) {
    if (!binaryProduct(ctx, x, y, n)) {
      floatProduct(effectiveWeights(ctx), effectiveOffset(), x, y, n);
    }
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

  /**
   * A subclass whose product is exact in integers (±1 inputs and ±1 weights) computes it here and
   * returns true; the values are the same bits as the float product's, which is then skipped.
   */
  protected boolean binaryProduct(Context ctx, float[] x, float[] y, int n) {
    return false;
  }

  /**
   * {@code y = x · Wᵀ}, every element one FMA chain over the inputs in order. The kernel streams the
   * rows of its right operand, so one side is transposed: the weights ({@code x · Wᵀ}), or — when
   * the batch is smaller than the weight matrix — the activations ({@code yᵀ = W · xᵀ}, the same
   * chains since {@code a·b = b·a}): no per-step copy of a large weight matrix.
   */
  private void floatProduct(float[] w, int wOff, float[] x, float[] y, int n) {
    if ((long) n * (inSize + outSize) < weightCount()) {
      if (xT.length < n * inSize) {
        xT = new float[n * inSize];
      }
      if (yT.length < n * outSize) {
        yT = new float[n * outSize];
      }
      transpose(x, 0, n, inSize, xT);
      GEMM.gemm(outSize, n, inSize, w, wOff, inSize, 1, xT, 0, n, false, yT, 0, n);
      transpose(yT, 0, outSize, n, y);
      return;
    }
    if (transposed == null) {
      transposed = new float[weightCount()];
    }
    transpose(w, wOff, outSize, inSize, transposed);
    product(x, n, inSize, transposed, outSize, y);
  }

  @Override
  public void backward(Context ctx, float[] x, float[] y, float[] dy, float[] dx, int n) {
    if (dx != null) { // dx (n × in) = dy (n × out) · W (out × in)
      GEMM.gemm(n, inSize, outSize, dy, 0, outSize, 1, effectiveWeights(ctx), effectiveOffset(), inSize, false, dx, 0, inSize);
    }
    if (needsWeightGradientScratch()) {
      if (dwScratch == null) {
        dwScratch = new float[weightCount()];
      }
      addWeightGradient(dy, x, n, dwScratch, 0, false);
      accumulateWeightGradient(ctx, dwScratch);
    } else {
      addWeightGradient(dy, x, n, ctx.grad, paramOffset, true);
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

  private static final FloatGemm GEMM = FloatGemm.best();

  /**
   * {@code y (n × out) = x (n × in) · wT (in × out)}: the forward product, shared with the packed
   * model's float layers so that both compute the same FMA chains.
   */
  public static void product(float[] x, int n, int in, float[] wT, int out, float[] y) {
    GEMM.gemm(n, out, in, x, 0, in, 1, wT, 0, out, false, y, 0, out);
  }

  /** The weights the forward uses, {@code out × in} row-major (±1 for a binary layer). */
  public float[] inferenceWeights(float[] params) {
    return java.util.Arrays.copyOfRange(params, paramOffset, paramOffset + weightCount());
  }

  @Override
  public Lowering lower(float[] params, float[] state) {
    return lowerProduct(params, null, List.of());
  }

  /**
   * The product over the whole input ({@code conv} null) or over each window of {@code conv} (a
   * convolution's product), then its scale ({@link #scaleOps}), the convolution's {@code positional}
   * operations, and its bias.
   */
  Lowering.Product lowerProduct(float[] params, ConvGeometry conv, List<Lowering.Op> positional) {
    List<Lowering.Op> ops = new java.util.ArrayList<>(scaleOps(params));
    ops.addAll(positional);
    float[] b = biasValues(params);
    if (b != null) {
      ops.add(new Lowering.Op(Lowering.OpKind.ADD_BIAS, new float[][] {b}));
    }
    return new Lowering.Product(binaryWeights(), conv, inferenceWeights(params), ops);
  }

  /** Whether {@link #inferenceWeights} are ±1. */
  protected boolean binaryWeights() {
    return false;
  }

  /** The operations that scale the product (a scaled binary layer's α), none here. */
  protected List<Lowering.Op> scaleOps(float[] params) {
    return List.of();
  }

  /** The bias, or null without one. */
  public float[] biasValues(float[] params) {
    int b = paramOffset + weightCount();
    return bias ? java.util.Arrays.copyOfRange(params, b, b + outSize) : null;
  }

  /** {@code dW (out × in) [+]= dyᵀ (out × n) · x (n × in)}: dyᵀ is read through strides, not copied. */
  private void addWeightGradient(float[] dy, float[] x, int n, float[] dw, int dwOff, boolean accumulate) {
    GEMM.gemm(outSize, inSize, n, dy, 0, 1, outSize, x, 0, inSize, accumulate, dw, dwOff, inSize);
  }

  /** {@code dst (cols × rows) = transpose of src (rows × cols)}, in cache-sized tiles. */
  public static void transpose(float[] src, int srcOff, int rows, int cols, float[] dst) {
    final int tile = 32;
    for (int r0 = 0; r0 < rows; r0 += tile) {
      int r1 = Math.min(rows, r0 + tile);
      for (int c0 = 0; c0 < cols; c0 += tile) {
        int c1 = Math.min(cols, c0 + tile);
        for (int r = r0; r < r1; r++) {
          int s = srcOff + r * cols;
          for (int c = c0; c < c1; c++) {
            dst[c * rows + r] = src[s + c];
          }
        }
      }
    }
  }

  @Override
  public long macsPerExample() {
    return (long) inSize * outSize;
  }

  @Override
  public String describe() {
    return "Dense(" + inSize + "→" + outSize + (bias ? ", bias" : "") + ")";
  }
}
