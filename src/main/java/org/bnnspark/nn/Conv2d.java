package org.bnnspark.nn;

/**
 * 2-D convolution over a channels-last image: im2col, then the product of a {@link Dense} layer
 * over the patches — real weights for {@code conv2d}, binary ({@link BinaryDense}, with its
 * quantizer, STE, latent clipping and optional per-filter scale α) for {@code binary_conv2d}.
 * Filter {@code f}'s weights are that layer's row {@code f}, ordered {@code [ky][kx][channel]} like a
 * patch, so everything the dense layer does per output (XNOR-Net's α = mean|W_f|, XNOR-Net++'s
 * learned scale) is per filter here. Backward: the dense layer's backward over the patches, then
 * col2im for {@code dx}.
 *
 * <p>With {@code "scale": "learned_chw"} (XNOR-Net++, Bulat &amp; Tzimiropoulos 2019) the output at row y,
 * column x of filter c is scaled by {@code Γ = α_c · β_y · γ_x}: the product layer learns α per filter,
 * this layer the factors β (one per output row) and γ (one per output column), initialized to 1;
 * {@code dβ_y = Σ dL/dout · u · γ_x} and {@code dγ_x = Σ dL/dout · u · β_y} with {@code u} the
 * α-scaled product.
 *
 * <p>With {@code "activation_scale": true} (XNOR-Net's K, Rastegari et al. 2016) the layer takes the real
 * input I, convolves its signs, and scales output position p by {@code K_p = mean |I|} over p's
 * window — the paper's {@code A ⊛ k} (A the mean of |I| over channels, k the box filter), with padding
 * taps counting as 0. The input's sign has the clipped STE; K is differentiated exactly
 * ({@code dI = col2im(dK_p/patch · sign I)}). A dense layer with this option is the 1 × 1 convolution of a
 * 1 × 1 image (one position, K = mean |x| over the row).
 *
 * <p>Padding is exact zero padding, as in float CNNs: a tap outside the image contributes nothing,
 * also when the input is ±1 (the packed model corrects its XNOR count for those taps).
 */
public final class Conv2d extends Layer {
  private final ConvGeometry geometry;
  private final Dense product;
  private final boolean spatialScale;
  private final boolean activationScale;
  private float[] cols = new float[0];
  /** With an activation scale: the input's signs, its real windows, K per output position, the output before K. */
  private float[] signs = new float[0];
  private float[] realCols = new float[0];
  private float[] scales = new float[0];
  private float[] beforeK = new float[0];
  /** Its backward's scratch: dL/d(output before K), K's share of dL/d windows, dL/d signs. */
  private float[] dBeforeK = new float[0];
  private float[] dWindows = new float[0];
  private float[] dSigns = new float[0];
  private float[] dcols = new float[0];
  /** With a spatial scale: the product's output before β ⊗ γ, and dL/d of it. */
  private float[] products = new float[0];
  private float[] dProducts = new float[0];

  public Conv2d(ConvGeometry geometry, int filters, Dense product) {
    this(geometry, filters, product, false, false);
  }

  /**
   * {@code spatialScale}: XNOR-Net++'s β ⊗ γ after the product (which then learns α itself);
   * {@code activationScale}: XNOR-Net's K (the layer binarizes its real input itself).
   */
  public Conv2d(ConvGeometry geometry, int filters, Dense product, boolean spatialScale, boolean activationScale) {
    super(geometry.input(), new Shape(geometry.outHeight(), geometry.outWidth(), filters));
    if (product.inSize() != geometry.patchSize() || product.outSize() != filters) {
      throw new IllegalArgumentException("the product layer must map " + geometry.patchSize() + " patch values to " + filters + " filters");
    }
    if (spatialScale && !(product instanceof BinaryDense b && b.scale() == BinaryDense.Scale.LEARNED_CHW)) {
      throw new IllegalArgumentException("a spatial scale goes with a binary product of scale " + BinaryDense.Scale.LEARNED_CHW.configName());
    }
    if (activationScale && !(product instanceof BinaryDense b && !b.hasBias())) {
      throw new IllegalArgumentException("an activation scale goes with a binary product without bias");
    }
    this.geometry = geometry;
    this.product = product;
    this.spatialScale = spatialScale;
    this.activationScale = activationScale;
  }

  /**
   * K of one window: {@code mean |v|} over the {@code patch} values of {@code cols} from {@code off}
   * (the training graph and the packed model both call this).
   */
  public static float windowScale(float[] cols, int off, int patch) {
    double sum = 0;
    for (int i = off; i < off + patch; i++) {
      sum += Math.abs(cols[i]);
    }
    return (float) (sum / patch);
  }

  /** {@code v[r][c] *= k[r]} over {@code rows} rows of {@code columns}. */
  public static void scaleRows(float[] v, float[] k, int rows, int columns) {
    for (int r = 0; r < rows; r++) {
      for (int c = 0; c < columns; c++) {
        v[r * columns + c] *= k[r];
      }
    }
  }

  private int spatialOffset() {
    return paramOffset + product.paramCount();
  }

  /** {@code [β (output rows), γ (output columns)]} of a spatially scaled convolution (else null). */
  public float[][] spatialFactors(float[] params) {
    if (!spatialScale) {
      return null;
    }
    int o = spatialOffset();
    int h = geometry.outHeight();
    return new float[][] {java.util.Arrays.copyOfRange(params, o, o + h),
        java.util.Arrays.copyOfRange(params, o + h, o + h + geometry.outWidth())};
  }

  /** {@code β_y · γ_x} for output position {@code p}: the same float product in the graph and the packed model. */
  public static float spatialFactor(float[] beta, float[] gamma, int position) {
    return beta[position / gamma.length] * gamma[position % gamma.length];
  }

  public ConvGeometry geometry() {
    return geometry;
  }

  public int filters() {
    return outShape.channels();
  }

  /** Its product over each window, then XNOR-Net++'s β ⊗ γ or XNOR-Net's K (computed at run time) where it has them. */
  @Override
  public Lowering lower(float[] params, float[] state) {
    java.util.List<Lowering.Op> positional = new java.util.ArrayList<>();
    if (spatialScale) {
      positional.add(new Lowering.Op(Lowering.OpKind.SCALE_POSITIONS, spatialFactors(params)));
    }
    if (activationScale) {
      positional.add(new Lowering.Op(Lowering.OpKind.ACTIVATION_SCALE, new float[0][]));
    }
    return product.lowerProduct(params, geometry, positional);
  }

  /** The layer that multiplies patches by filters (its parameters are this layer's). */
  public Dense product() {
    return product;
  }

  @Override
  void place(int paramOffset, int stateOffset, int position) {
    super.place(paramOffset, stateOffset, position);
    product.place(paramOffset, stateOffset, position);
  }

  @Override
  public int paramCount() {
    return product.paramCount() + (spatialScale ? geometry.outHeight() + geometry.outWidth() : 0);
  }

  @Override
  public void initParams(float[] params, java.util.SplittableRandom rng) {
    product.initParams(params, rng);
    if (spatialScale) {
      java.util.Arrays.fill(params, spatialOffset(), paramOffset + paramCount(), 1f);
    }
  }

  @Override
  public void forward(Context ctx, float[] x, float[] y, int n) {
    int len = n * geometry.positions() * geometry.patchSize();
    if (cols.length < len) {
      cols = new float[len];
    }
    int rows = n * geometry.positions();
    if (activationScale) {
      if (signs.length < n * inSize) {
        signs = new float[n * inSize];
      }
      for (int i = 0; i < n * inSize; i++) {
        signs[i] = Quantizer.STE_SIGN.forward(x[i]);
      }
      if (realCols.length < len) {
        realCols = new float[len];
        scales = new float[rows];
      }
      geometry.im2col(x, n, realCols);
      for (int r = 0; r < rows; r++) {
        scales[r] = windowScale(realCols, r * geometry.patchSize(), geometry.patchSize());
      }
    }
    geometry.im2col(activationScale ? signs : x, n, cols);
    product.forward(ctx, cols, y, rows);
    if (spatialScale) {
      if (products.length < n * outSize) {
        products = new float[n * outSize];
      }
      System.arraycopy(y, 0, products, 0, n * outSize);
      scaleSpatially(ctx.params, y, n);
    }
    if (activationScale) {
      if (beforeK.length < n * outSize) {
        beforeK = new float[n * outSize];
      }
      System.arraycopy(y, 0, beforeK, 0, n * outSize);
      scaleRows(y, scales, rows, filters());
    }
  }

  /** {@code v[e][p][c] *= β_y(p) · γ_x(p)}. */
  private void scaleSpatially(float[] params, float[] v, int n) {
    float[][] f = spatialFactors(params);
    int filters = filters();
    for (int r = 0; r < n * geometry.positions(); r++) {
      float s = spatialFactor(f[0], f[1], r % geometry.positions());
      for (int c = 0; c < filters; c++) {
        v[r * filters + c] *= s;
      }
    }
  }

  @Override
  public void backward(Context ctx, float[] x, float[] y, float[] dy, float[] dx, int n) {
    int rows = n * geometry.positions();
    if (dx != null && dcols.length < rows * geometry.patchSize()) {
      dcols = new float[rows * geometry.patchSize()];
    }
    float[] dOut = dy;
    if (activationScale) {
      dOut = backwardActivationScale(dy, dx, n);
    }
    float[] dProduct = dOut;
    if (spatialScale) {
      backwardSpatialScale(ctx, dOut, n);
      dProduct = dProducts;
    }
    float[] productOut = spatialScale ? products : activationScale ? beforeK : y;
    product.backward(ctx, cols, productOut, dProduct, dx == null ? null : dcols, rows);
    if (dx == null) {
      return;
    }
    if (!activationScale) {
      geometry.col2im(dcols, n, dx);
      return;
    }
    // dx already holds K's term; the signs' gradient passes the clipped STE
    if (dSigns.length < n * inSize) {
      dSigns = new float[n * inSize];
    }
    geometry.col2im(dcols, n, dSigns);
    for (int i = 0; i < n * inSize; i++) {
      dx[i] += dSigns[i] * Quantizer.STE_SIGN.gradient(x[i]);
    }
  }

  /**
   * y = before·K: writes K's share of dx ({@code col2im(dK_p/patch · sign window)}, when dx is wanted)
   * and returns dL/d(before) = dy·K.
   */
  private float[] backwardActivationScale(float[] dy, float[] dx, int n) {
    int rows = n * geometry.positions();
    int patch = geometry.patchSize();
    int filters = filters();
    if (dBeforeK.length < n * outSize) {
      dBeforeK = new float[n * outSize];
    }
    System.arraycopy(dy, 0, dBeforeK, 0, n * outSize);
    scaleRows(dBeforeK, scales, rows, filters);
    if (dx != null) {
      if (dWindows.length < rows * patch) {
        dWindows = new float[rows * patch];
      }
      for (int r = 0; r < rows; r++) {
        double dK = 0;
        for (int c = 0; c < filters; c++) {
          dK += (double) dy[r * filters + c] * beforeK[r * filters + c];
        }
        float perValue = (float) (dK / patch);
        for (int t = 0; t < patch; t++) {
          dWindows[r * patch + t] = perValue * Math.signum(realCols[r * patch + t]);
        }
      }
      geometry.col2im(dWindows, n, dx);
    }
    return dBeforeK;
  }

  /** dβ, dγ into the gradient; dL/d(product) = dy · β ⊗ γ into {@code dProducts}. */
  private void backwardSpatialScale(Context ctx, float[] dy, int n) {
    if (dProducts.length < n * outSize) {
      dProducts = new float[n * outSize];
    }
    float[][] f = spatialFactors(ctx.params);
    int width = geometry.outWidth();
    int filters = filters();
    double[] dBeta = new double[geometry.outHeight()];
    double[] dGamma = new double[width];
    for (int r = 0; r < n * geometry.positions(); r++) {
      int p = r % geometry.positions();
      int py = p / width;
      int px = p % width;
      double sum = 0;
      for (int c = 0; c < filters; c++) {
        int i = r * filters + c;
        sum += (double) dy[i] * products[i];
      }
      dBeta[py] += sum * f[1][px];
      dGamma[px] += sum * f[0][py];
    }
    System.arraycopy(dy, 0, dProducts, 0, n * outSize);
    scaleSpatially(ctx.params, dProducts, n);
    int o = spatialOffset();
    for (int y = 0; y < dBeta.length; y++) {
      ctx.grad[o + y] += (float) dBeta[y];
    }
    for (int x = 0; x < width; x++) {
      ctx.grad[o + dBeta.length + x] += (float) dGamma[x];
    }
  }

  @Override
  public void clipLatent(float[] params) {
    product.clipLatent(params);
  }

  @Override
  public long macsPerExample() {
    return geometry.positions() * product.macsPerExample();
  }

  @Override
  public int binaryWeightCount() {
    return product.binaryWeightCount();
  }

  @Override
  public int binaryWeightOffset() {
    return product.binaryWeightOffset();
  }

  @Override
  public String describe() {
    String inner = product.describe(); // e.g. BinaryDense(9→32, ste_sign) → its options after the arrow's target
    int comma = inner.indexOf(", ");
    String options = (comma < 0 ? "" : inner.substring(comma, inner.length() - 1)) + (activationScale ? ", activation scale K" : "");
    if (inShape.isFlat() && geometry.kernel() == 1) { // a dense layer with an activation scale
      return "BinaryDense(" + inSize + "→" + outSize + options + ")";
    }
    return (product instanceof BinaryDense ? "BinaryConv2d(" : "Conv2d(") + inShape + "→" + outShape + ", " + geometry.kernel() + "×"
        + geometry.kernel() + "/" + geometry.stride() + (geometry.padding() > 0 ? " pad " + geometry.padding() : "") + options + ")";
  }
}
