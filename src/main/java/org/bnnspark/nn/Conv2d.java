package org.bnnspark.nn;

import java.util.List;

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
 * <p>Both are {@link PositionScale}s — {@code y[r][c] = u[r][c] · s_r} for output row r (image ×
 * position) and filter c, with u what comes before — applied in order after the product, their
 * backward in reverse: {@code dL/du = dL/dy · s_r} and {@code dL/ds_r = Σ_c dL/dy · u}, which each
 * scale takes to its own parameters or to the input.
 *
 * <p>Padding is exact zero padding, as in float CNNs: a tap outside the image contributes nothing,
 * also when the input is ±1 (the packed model corrects its XNOR count for those taps).
 */
public final class Conv2d extends Layer {
  private final ConvGeometry geometry;
  private final Dense product;
  private final List<PositionScale> scales;
  /** Whether a scale binarizes the input (XNOR-Net's K): the product then reads the input's signs. */
  private final boolean signedInput;
  private float[] cols = new float[0];
  private float[] signs = new float[0];
  private float[] dcols = new float[0];
  private float[] dSigns = new float[0];
  /** Per scale: what it scaled (u), its factors s_r, dL/du; and dL/ds_r. */
  private float[][] before = new float[0][];
  private float[][] factors = new float[0][];
  private float[][] dBefore = new float[0][];
  private double[] dFactors = new double[0];

  /**
   * A per-position scale of a convolution's output, {@code y[r][c] = u[r][c] · s_r}: its factors
   * come from its own parameters or from the layer's input. One instance per layer (it keeps scratch).
   */
  public abstract static class PositionScale {
    /** Its parameters, after the product's (and those of the scales before it). */
    int paramCount(ConvGeometry g) {
      return 0;
    }

    void initParams(float[] params, int offset, ConvGeometry g) {}

    /** {@code s_r} for the {@code n · positions} output rows of input {@code x}. */
    abstract void factors(float[] params, int offset, ConvGeometry g, float[] x, int n, float[] s);

    /**
     * From {@code ds[r] = dL/ds_r}: adds its parameters' gradients into {@code ctx.grad}, or writes the
     * input's share into {@code dx} (when it is wanted: not null) — which the layer then adds the
     * product's share to.
     */
    abstract void backward(Context ctx, int offset, ConvGeometry g, float[] x, double[] ds, float[] dx, int n);

    /** Whether the product takes the signs of the input rather than the input. */
    boolean binarizesInput() {
      return false;
    }

    /** The packed model's positional operation for it. */
    abstract Lowering.Op lower(float[] params, int offset, ConvGeometry g);

    String describe() {
      return "";
    }
  }

  /**
   * XNOR-Net++'s spatial factors (Bulat &amp; Tzimiropoulos 2019): {@code s_p = β_y · γ_x} at output
   * row y, column x, learned, initialized to 1; {@code dβ_y = Σ ds_p · γ_x}, {@code dγ_x = Σ ds_p · β_y}.
   */
  public static final class SpatialScale extends PositionScale {
    @Override
    int paramCount(ConvGeometry g) {
      return g.outHeight() + g.outWidth();
    }

    @Override
    void initParams(float[] params, int offset, ConvGeometry g) {
      java.util.Arrays.fill(params, offset, offset + paramCount(g), 1f);
    }

    @Override
    void factors(float[] params, int offset, ConvGeometry g, float[] x, int n, float[] s) {
      float[][] f = spatialFactors(params, offset, g);
      for (int r = 0; r < n * g.positions(); r++) {
        s[r] = spatialFactor(f[0], f[1], r % g.positions());
      }
    }

    @Override
    void backward(Context ctx, int offset, ConvGeometry g, float[] x, double[] ds, float[] dx, int n) {
      float[][] f = spatialFactors(ctx.params, offset, g);
      int width = g.outWidth();
      double[] dBeta = new double[g.outHeight()];
      double[] dGamma = new double[width];
      for (int r = 0; r < n * g.positions(); r++) {
        int p = r % g.positions();
        dBeta[p / width] += ds[r] * f[1][p % width];
        dGamma[p % width] += ds[r] * f[0][p / width];
      }
      for (int y = 0; y < dBeta.length; y++) {
        ctx.grad[offset + y] += (float) dBeta[y];
      }
      for (int c = 0; c < width; c++) {
        ctx.grad[offset + dBeta.length + c] += (float) dGamma[c];
      }
    }

    @Override
    Lowering.Op lower(float[] params, int offset, ConvGeometry g) {
      return new Lowering.Op(Lowering.OpKind.SCALE_POSITIONS, spatialFactors(params, offset, g));
    }
  }

  /**
   * XNOR-Net's activation scale (Rastegari et al. 2016): the product takes the signs of the real input
   * I (clipped STE), {@code s_p = K_p = mean |I|} over p's window ({@link #windowScale}), differentiated
   * exactly: {@code dI = col2im(ds_p / patch · sign window)}.
   */
  public static final class ActivationScale extends PositionScale {
    private float[] windows = new float[0];
    private float[] dWindows = new float[0];

    @Override
    void factors(float[] params, int offset, ConvGeometry g, float[] x, int n, float[] s) {
      int len = n * g.positions() * g.patchSize();
      if (windows.length < len) {
        windows = new float[len];
      }
      g.im2col(x, n, windows);
      for (int r = 0; r < n * g.positions(); r++) {
        s[r] = windowScale(windows, r * g.patchSize(), g.patchSize());
      }
    }

    @Override
    void backward(Context ctx, int offset, ConvGeometry g, float[] x, double[] ds, float[] dx, int n) {
      if (dx == null) {
        return;
      }
      int rows = n * g.positions();
      int patch = g.patchSize();
      if (dWindows.length < rows * patch) {
        dWindows = new float[rows * patch];
      }
      for (int r = 0; r < rows; r++) {
        float perValue = (float) (ds[r] / patch);
        for (int t = 0; t < patch; t++) {
          dWindows[r * patch + t] = perValue * Math.signum(windows[r * patch + t]);
        }
      }
      g.col2im(dWindows, n, dx);
    }

    @Override
    boolean binarizesInput() {
      return true;
    }

    @Override
    Lowering.Op lower(float[] params, int offset, ConvGeometry g) {
      return new Lowering.Op(Lowering.OpKind.ACTIVATION_SCALE, new float[0][]);
    }

    @Override
    String describe() {
      return ", activation scale K";
    }
  }

  public Conv2d(ConvGeometry geometry, int filters, Dense product) {
    this(geometry, filters, product, List.of());
  }

  /** With {@code scales} after the product, in order (e.g. {@link SpatialScale}, {@link ActivationScale}). */
  public Conv2d(ConvGeometry geometry, int filters, Dense product, List<PositionScale> scales) {
    super(geometry.input(), new Shape(geometry.outHeight(), geometry.outWidth(), filters));
    if (product.inSize() != geometry.patchSize() || product.outSize() != filters) {
      throw new IllegalArgumentException("the product layer must map " + geometry.patchSize() + " patch values to " + filters + " filters");
    }
    for (PositionScale scale : scales) {
      if (scale instanceof SpatialScale && !(product instanceof BinaryDense b && b.scale() == BinaryDense.Scale.LEARNED_CHW)) {
        throw new IllegalArgumentException("a spatial scale goes with a binary product of scale " + BinaryDense.Scale.LEARNED_CHW.configName());
      }
      if (scale.binarizesInput() && !(product instanceof BinaryDense b && !b.hasBias())) {
        throw new IllegalArgumentException("an activation scale goes with a binary product without bias");
      }
    }
    this.geometry = geometry;
    this.product = product;
    this.scales = List.copyOf(scales);
    if (scales.stream().filter(PositionScale::binarizesInput).count() > 1) {
      throw new IllegalArgumentException("one activation scale at most");
    }
    this.signedInput = scales.stream().anyMatch(PositionScale::binarizesInput);
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

  /** Where scale k's parameters start. */
  private int scaleOffset(int k) {
    int o = paramOffset + product.paramCount();
    for (int i = 0; i < k; i++) {
      o += scales.get(i).paramCount(geometry);
    }
    return o;
  }

  /** {@code [β (output rows), γ (output columns)]} of a spatially scaled convolution (else null). */
  public float[][] spatialFactors(float[] params) {
    for (int k = 0; k < scales.size(); k++) {
      if (scales.get(k) instanceof SpatialScale) {
        return spatialFactors(params, scaleOffset(k), geometry);
      }
    }
    return null;
  }

  private static float[][] spatialFactors(float[] params, int o, ConvGeometry g) {
    int h = g.outHeight();
    return new float[][] {java.util.Arrays.copyOfRange(params, o, o + h), java.util.Arrays.copyOfRange(params, o + h, o + h + g.outWidth())};
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
    List<Lowering.Op> positional = new java.util.ArrayList<>();
    for (int k = 0; k < scales.size(); k++) {
      positional.add(scales.get(k).lower(params, scaleOffset(k), geometry));
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
    return scaleOffset(scales.size()) - paramOffset;
  }

  @Override
  public void initParams(float[] params, java.util.SplittableRandom rng) {
    product.initParams(params, rng);
    for (int k = 0; k < scales.size(); k++) {
      scales.get(k).initParams(params, scaleOffset(k), geometry);
    }
  }

  @Override
  public void forward(Context ctx, float[] x, float[] y, int n) {
    int rows = n * geometry.positions();
    int len = rows * geometry.patchSize();
    if (cols.length < len) {
      cols = new float[len];
    }
    if (before.length != scales.size() || (!scales.isEmpty() && before[0].length < n * outSize)) {
      before = new float[scales.size()][n * outSize];
      dBefore = new float[scales.size()][n * outSize];
      factors = new float[scales.size()][rows];
      dFactors = new double[rows];
    }
    float[] in = x;
    if (signedInput) {
      if (signs.length < n * inSize) {
        signs = new float[n * inSize];
      }
      for (int i = 0; i < n * inSize; i++) {
        signs[i] = Quantizer.STE_SIGN.forward(x[i]);
      }
      in = signs;
    }
    geometry.im2col(in, n, cols);
    product.forward(ctx, cols, y, rows);
    for (int k = 0; k < scales.size(); k++) {
      scales.get(k).factors(ctx.params, scaleOffset(k), geometry, x, n, factors[k]);
      System.arraycopy(y, 0, before[k], 0, n * outSize);
      scaleRows(y, factors[k], rows, filters());
    }
  }

  @Override
  public void backward(Context ctx, float[] x, float[] y, float[] dy, float[] dx, int n) {
    int rows = n * geometry.positions();
    int filters = filters();
    if (dx != null && dcols.length < rows * geometry.patchSize()) {
      dcols = new float[rows * geometry.patchSize()];
    }
    float[] d = dy;
    for (int k = scales.size() - 1; k >= 0; k--) {
      float[] u = before[k];
      for (int r = 0; r < rows; r++) {
        double sum = 0;
        for (int c = 0; c < filters; c++) {
          sum += (double) d[r * filters + c] * u[r * filters + c];
        }
        dFactors[r] = sum;
      }
      System.arraycopy(d, 0, dBefore[k], 0, n * outSize);
      scaleRows(dBefore[k], factors[k], rows, filters);
      scales.get(k).backward(ctx, scaleOffset(k), geometry, x, dFactors, dx, n);
      d = dBefore[k];
    }
    product.backward(ctx, cols, scales.isEmpty() ? y : before[0], d, dx == null ? null : dcols, rows);
    if (dx == null) {
      return;
    }
    if (!signedInput) {
      geometry.col2im(dcols, n, dx);
      return;
    }
    // the signs' gradient passes the clipped STE, added to the activation scale's share
    if (dSigns.length < n * inSize) {
      dSigns = new float[n * inSize];
    }
    geometry.col2im(dcols, n, dSigns);
    for (int i = 0; i < n * inSize; i++) {
      dx[i] += dSigns[i] * Quantizer.STE_SIGN.gradient(x[i]);
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
    String options = (comma < 0 ? "" : inner.substring(comma, inner.length() - 1))
        + String.join("", scales.stream().map(PositionScale::describe).toList());
    if (inShape.isFlat() && geometry.kernel() == 1) { // a dense layer with an activation scale
      return "BinaryDense(" + inSize + "→" + outSize + options + ")";
    }
    return (product instanceof BinaryDense ? "BinaryConv2d(" : "Conv2d(") + inShape + "→" + outShape + ", " + geometry.kernel() + "×"
        + geometry.kernel() + "/" + geometry.stride() + (geometry.padding() > 0 ? " pad " + geometry.padding() : "") + options + ")";
  }
}
