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
 * <p>Padding is exact zero padding, as in float CNNs: a tap outside the image contributes nothing,
 * also when the input is ±1 (the packed model corrects its XNOR count for those taps).
 */
public final class Conv2d extends Layer {
  private final ConvGeometry geometry;
  private final Dense product;
  private float[] cols = new float[0];
  private float[] dcols = new float[0];

  public Conv2d(ConvGeometry geometry, int filters, Dense product) {
    super(geometry.input(), new Shape(geometry.outHeight(), geometry.outWidth(), filters));
    if (product.inSize() != geometry.patchSize() || product.outSize() != filters) {
      throw new IllegalArgumentException("the product layer must map " + geometry.patchSize() + " patch values to " + filters + " filters");
    }
    this.geometry = geometry;
    this.product = product;
  }

  public ConvGeometry geometry() {
    return geometry;
  }

  public int filters() {
    return outShape.channels();
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
    return product.paramCount();
  }

  @Override
  public void initParams(float[] params, java.util.SplittableRandom rng) {
    product.initParams(params, rng);
  }

  @Override
  public void forward(Context ctx, float[] x, float[] y, int n) {
    int len = n * geometry.positions() * geometry.patchSize();
    if (cols.length < len) {
      cols = new float[len];
    }
    geometry.im2col(x, n, cols);
    product.forward(ctx, cols, y, n * geometry.positions());
  }

  @Override
  public void backward(Context ctx, float[] x, float[] y, float[] dy, float[] dx, int n) {
    int rows = n * geometry.positions();
    if (dx != null && dcols.length < rows * geometry.patchSize()) {
      dcols = new float[rows * geometry.patchSize()];
    }
    product.backward(ctx, cols, y, dy, dx == null ? null : dcols, rows);
    if (dx != null) {
      geometry.col2im(dcols, n, dx);
    }
  }

  @Override
  public void clipLatent(float[] params) {
    product.clipLatent(params);
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
    String options = comma < 0 ? "" : inner.substring(comma, inner.length() - 1);
    return (product instanceof BinaryDense ? "BinaryConv2d(" : "Conv2d(") + inShape + "→" + outShape + ", " + geometry.kernel() + "×"
        + geometry.kernel() + "/" + geometry.stride() + (geometry.padding() > 0 ? " pad " + geometry.padding() : "") + options + ")";
  }
}
