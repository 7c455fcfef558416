package org.bnnspark.nn;

/**
 * Fully connected layer with binary weights (BinaryConnect, Courbariaux et al. 2015; BinaryNet,
 * Hubara et al. 2016): the stored parameters are latent real weights {@code W}, the forward pass
 * uses {@code W_b = Q(W)} ({@code Q = sign}), and the straight-through estimator passes the
 * gradient back as {@code dL/dW = dL/dW_b · Q'(W)} with the quantizer's pseudo-gradient
 * ({@code 1{|W| ≤ 1}} for {@code ste_sign}). Latent weights are clipped to [−1, 1] after every step.
 *
 * <p>With a {@link Scale} other than {@code NONE}, output j is {@code α_j · (x · sign(W_j))}:
 * <ul>
 *   <li>{@code MEAN_ABS} (XNOR-Net, Rastegari et al. 2016): {@code α_j = mean_i |W_ji|}, the scale that
 *       best approximates {@code W_j} by {@code α_j · sign(W_j)} in L2; its gradient has both of the
 *       paper's terms, exactly: {@code dL/dW_jk = α_j · dL/dz_jk · Q'(W_jk) + sign(W_jk)/in · Σ_r dL/dy_rj · z_rj};</li>
 *   <li>{@code LEARNED} (XNOR-Net++, Bulat &amp; Tzimiropoulos 2019): {@code α_j} is a parameter of its
 *       own, trained by back-propagation ({@code dL/dα_j = Σ_r dL/dy_rj · z_rj}), initialized to
 *       {@code mean |W_j|} of the initial weights — the per-output-channel shape of the paper.</li>
 * </ul>
 * The product is taken first and scaled after, so that with ±1 inputs it stays an exact integer that
 * the packed model scales the same way.
 *
 * <p>The input is whatever the previous layer produced: real values for a first layer, or ±1 when
 * a binary {@link Activation} precedes it (then {@code x · W_bᵀ} is an exact integer, which the packed
 * XNOR model reproduces bit for bit).
 */
public final class BinaryDense extends Dense {
  private final Quantizer kernelQuantizer;
  private final Scale scale;
  private float[] binarized;
  /** Scaled layers: α of the last forward, its unscaled products z, and the backward's dL/dz. */
  private float[] alpha;
  private float[] products = new float[0];
  private float[] dProducts = new float[0];
  /** Whether every latent weight of the last forward lay in [−1, 1] (always, once clipped). */
  private boolean latentInsideClip;

  /** How a binary layer's outputs are scaled. */
  public enum Scale {
    NONE("none"), MEAN_ABS("mean_abs"), LEARNED("learned"),
    /**
     * XNOR-Net++'s factorized Γ = α ⊗ β ⊗ γ over output channel × height × width: this layer learns
     * α as {@code LEARNED} does, the {@link Conv2d} around it learns β and γ (convolutions only).
     */
    LEARNED_CHW("learned_chw");

    private final String configName;

    Scale(String configName) {
      this.configName = configName;
    }

    public String configName() {
      return configName;
    }

    public static Scale byName(String name) {
      for (Scale s : values()) {
        if (s.configName.equals(name)) {
          return s;
        }
      }
      throw new IllegalArgumentException("expected one of none, mean_abs, learned, learned_chw, got '" + name + "'");
    }
  }

  public BinaryDense(int inSize, int outSize, boolean bias, Quantizer kernelQuantizer) {
    this(inSize, outSize, bias, kernelQuantizer, Scale.NONE);
  }

  public BinaryDense(int inSize, int outSize, boolean bias, Quantizer kernelQuantizer, Scale scale) {
    super(inSize, outSize, bias);
    if (scale != Scale.NONE && bias) {
      throw new IllegalArgumentException("a scaled binary layer takes no bias");
    }
    this.kernelQuantizer = kernelQuantizer;
    this.scale = scale;
  }

  public Scale scale() {
    return scale;
  }

  /** A learned scale is one parameter per output, after the weights. */
  @Override
  public int paramCount() {
    return super.paramCount() + (learnedAlpha() ? outSize : 0);
  }

  /** Whether α is a parameter of its own (XNOR-Net++, either shape). */
  private boolean learnedAlpha() {
    return scale == Scale.LEARNED || scale == Scale.LEARNED_CHW;
  }

  private int scaleOffset() {
    return paramOffset + weightCount();
  }

  @Override
  public void initParams(float[] params, java.util.SplittableRandom rng) {
    super.initParams(params, rng);
    if (learnedAlpha()) {
      System.arraycopy(meanAbs(params), 0, params, scaleOffset(), outSize);
    }
  }

  @Override
  protected boolean binaryWeights() {
    return true;
  }

  @Override
  protected java.util.List<Lowering.Op> scaleOps(float[] params) {
    return scale == Scale.NONE ? java.util.List.of() : java.util.List.of(new Lowering.Op(Lowering.OpKind.SCALE, new float[][] {alpha(params)}));
  }

  /** The output scales α (NONE: null): computed from the weights or read from the parameters; the graph and the packed model both call this. */
  public float[] alpha(float[] params) {
    return switch (scale) {
      case NONE -> null;
      case MEAN_ABS -> meanAbs(params);
      case LEARNED, LEARNED_CHW -> java.util.Arrays.copyOfRange(params, scaleOffset(), scaleOffset() + outSize);
    };
  }

  /** mean_i |W_ji| for every output j: the sum in double, rounded once. */
  private float[] meanAbs(float[] params) {
    float[] a = new float[outSize];
    for (int j = 0; j < outSize; j++) {
      double sum = 0;
      int row = paramOffset + j * inSize;
      for (int i = 0; i < inSize; i++) {
        sum += Math.abs(params[row + i]);
      }
      a[j] = (float) (sum / inSize);
    }
    return a;
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
    packedFresh = false;
    if (ctx.training && kernelQuantizer.stochastic()) {
      // one stream per layer and pass: the layer's offset separates layers drawing in the same pass
      java.util.SplittableRandom rng = new java.util.SplittableRandom(ctx.noiseSeed + 0x9E3779B97F4A7C15L * (paramOffset + 1L));
      for (int i = 0; i < binarized.length; i++) {
        float w = p[off + i];
        binarized[i] = rng.nextFloat() < Quantizer.hardSigmoid(w) ? 1f : -1f;
        maxAbs = Math.max(maxAbs, Math.abs(w));
      }
    } else {
      // sign(w) with sign(±0) = +1, max |w| and the packed rows the binary products read, in one pass
      int words = org.bnnspark.bits.BitPacking.words(inSize);
      if (packedWeights.length < outSize * words) {
        packedWeights = new long[outSize * words];
      }
      maxAbs = org.bnnspark.bits.BitPacking.binarizeRows(p, off, outSize, inSize, binarized, packedWeights);
      packedFresh = true;
    }
    latentInsideClip = maxAbs <= 1f;
    super.forward(ctx, x, y, n);
    if (scale != Scale.NONE) {
      alpha = alpha(p);
      if (products.length < n * outSize) {
        products = new float[n * outSize];
      }
      System.arraycopy(y, 0, products, 0, n * outSize);
      scale(y, n, alpha);
    }
  }

  /** {@code y[r][j] *= a[j]}. */
  private void scale(float[] y, int n, float[] a) {
    for (int r = 0; r < n; r++) {
      int row = r * outSize;
      for (int j = 0; j < outSize; j++) {
        y[row + j] *= a[j];
      }
    }
  }

  private long[] packedWeights = new long[0];
  /** Whether this forward's binarization packed {@link #packedWeights} already. */
  private boolean packedFresh;
  private long[] packedInput = new long[0];
  /**
   * The packed weights in the layout the XNOR kernel reads ({@link org.bnnspark.bits.BinaryGemm#laidOut}):
   * word-major for short rows — a convolution's patch of 288 bits is 5 words, less than one 512-bit
   * vector — as in the packed model.
   */
  private long[] laidOutWeights = new long[0];
  private int[] counts = new int[0];
  private static final org.bnnspark.bits.BinaryGemm XNOR = org.bnnspark.bits.BinaryGemm.best();
  private boolean lastBinary;

  /** Whether the last forward computed its product as XNOR-popcount (tests). */
  boolean lastProductWasBinary() {
    return lastBinary;
  }

  /**
   * With inputs in {−c, 0, +c} — ±1 after a sign activation, {0, ±1/(1 − rate)} after dropout on
   * signs — the product {@code x · W_bᵀ} is {@code c·D} for an integer D, computed on packed bits:
   * <pre>
   *   p = [x = +c], q = [x = −c] (bit masks),  XN(a, w) = in − 2·popcount(a XOR w)   (XNOR-popcount)
   *   no zeros (q = ¬p):  D = XN(p, w)
   *   with zeros:         D = Σ p_i w_i − Σ q_i w_i = (XN(p, w) − XN(q, w)) / 2
   * </pre>
   * (for a 0/1 vector v, {@code Σ v_i w_i = (XN(v, w) + Σ w_i)/2}; the column sums cancel). When every
   * partial sum {@code c·k}, {@code |k| ≤ in}, is exact in float — c has few enough significant bits —
   * the float product's FMA chain is exact too, so {@code c·D} is the same value bit for bit. Any
   * other input (real values, a first layer, an awkward dropout scale) returns false and takes the
   * float product.
   */
  @Override
  protected boolean binaryProduct(Context ctx, float[] x, float[] y, int n) {
    int words = org.bnnspark.bits.BitPacking.words(inSize);
    if (packedInput.length < 2 * n * words) {
      packedInput = new long[2 * n * words];
    }
    int kind = packTernary(x, n, inSize, packedInput, n * words);
    lastBinary = kind != NOT_TERNARY;
    if (!lastBinary) {
      return false;
    }
    float c = magnitude(x, n * inSize);
    packWeights(n, words);
    laidOutWeights = XNOR.laidOut(packedWeights, 0, outSize, words, laidOutWeights);
    XNOR.dots(packedInput, 0, n, laidOutWeights, outSize, words, inSize, counts, 0, outSize);
    if (kind == SIGNS) {
      for (int i = 0; i < n * outSize; i++) {
        y[i] = c * counts[i];
      }
    } else {
      int neg = n * outSize;
      XNOR.dots(packedInput, n * words, n, laidOutWeights, outSize, words, inSize, counts, neg, outSize);
      for (int i = 0; i < n * outSize; i++) {
        y[i] = c * ((counts[i] - counts[neg + i]) / 2);
      }
    }
    return true;
  }

  /** Packs this forward's binarized weights (rows = outputs) unless binarizing did, and sizes the count buffer for two products of n rows. */
  private void packWeights(int n, int words) {
    if (!packedFresh) { // a stochastic draw: pack what it drew
      if (packedWeights.length < outSize * words) {
        packedWeights = new long[outSize * words];
      }
      org.bnnspark.bits.BitPacking.packRows(binarized, 0, outSize, inSize, packedWeights, 0);
    }
    if (counts.length < 2 * n * outSize) {
      counts = new int[2 * n * outSize];
    }
  }

  static final int NOT_TERNARY = 0;
  static final int SIGNS = 1;
  static final int WITH_ZEROS = 2;

  /** The common magnitude c of the non-zero inputs (1 when all are zero). */
  private static float magnitude(float[] x, int len) {
    for (int i = 0; i < len; i++) {
      if (x[i] != 0f) {
        return Math.abs(x[i]);
      }
    }
    return 1f;
  }

  /**
   * Packs {@code rows × cols} values in {−c, 0, +c}: the +c masks at {@code out[0…]}, the −c masks at
   * {@code out[negOff…]} (rows padded with zero bits). Returns {@link #SIGNS} when no value is 0,
   * {@link #WITH_ZEROS} otherwise, {@link #NOT_TERNARY} when a value is anything else or when c·k
   * is not exact in float for every |k| ≤ cols.
   */
  static int packTernary(float[] v, int rows, int cols, long[] out, int negOff) {
    float c = magnitude(v, rows * cols);
    int significant = 24 - Integer.numberOfTrailingZeros(Float.floatToRawIntBits(c) | 0x800000);
    if (!(c > 0f) || !Float.isFinite(c) || significant + (32 - Integer.numberOfLeadingZeros(cols)) > 24) {
      return NOT_TERNARY;
    }
    int words = org.bnnspark.bits.BitPacking.words(cols);
    long tail = org.bnnspark.bits.BitPacking.tailMask(cols);
    long missing = 0L;
    for (int r = 0; r < rows; r++) {
      int at = r * words;
      if (!org.bnnspark.bits.BitPacking.packTernary(v, r * cols, cols, c, out, out, at, negOff)) {
        return NOT_TERNARY;
      }
      for (int w = 0; w < words; w++) {
        missing |= ~(out[at + w] | out[negOff + at + w]) & (w == words - 1 ? tail : -1L);
      }
    }
    return missing != 0L ? WITH_ZEROS : SIGNS;
  }


  @Override
  public void backward(Context ctx, float[] x, float[] y, float[] dy, float[] dx, int n) {
    if (scale == Scale.NONE) {
      super.backward(ctx, x, y, dy, dx, n);
      return;
    }
    // y = α ⊙ z: dL/dz = α ⊙ dy goes through the product; dL/dα_j = Σ_r dy_rj z_rj goes to the learned
    // scale, or to every weight of row j through d mean|W_j| / dW_jk = sign(W_jk) / in
    if (dProducts.length < n * outSize) {
      dProducts = new float[n * outSize];
    }
    System.arraycopy(dy, 0, dProducts, 0, n * outSize);
    scale(dProducts, n, alpha);
    super.backward(ctx, x, y, dProducts, dx, n);
    float[] p = ctx.params;
    float[] g = ctx.grad;
    for (int j = 0; j < outSize; j++) {
      double dAlpha = 0;
      for (int r = 0; r < n; r++) {
        dAlpha += (double) dy[r * outSize + j] * products[r * outSize + j];
      }
      if (learnedAlpha()) {
        g[scaleOffset() + j] += (float) dAlpha;
        continue;
      }
      float perWeight = (float) (dAlpha / inSize);
      int row = paramOffset + j * inSize;
      for (int i = 0; i < inSize; i++) {
        g[row + i] += perWeight * Math.copySign(1f, p[row + i] + 0f);
      }
    }
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
  public int binaryWeightCount() {
    return weightCount();
  }

  @Override
  public String describe() {
    return "BinaryDense(" + inSize + "→" + outSize + ", " + kernelQuantizer.configName() + (scale == Scale.NONE ? "" : ", scale " + scale.configName())
        + (bias ? ", bias" : "") + ")";
  }
}
