package org.bnnspark.inference;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.bnnspark.nn.ConvGeometry;
import org.bnnspark.nn.Shape;

/**
 * One stage of a packed model: a {@link StageProduct product} (dense, or a convolution over a
 * channels-last image; or none), optional max pooling, per-feature operations, and optionally a sign.
 * Which arithmetic runs depends on the product and on the stage's input representation:
 *
 * <ul>
 *   <li>binary weights on packed ±1 inputs → XNOR-popcount integer dots (a convolution through
 *       bit-im2col, with an exact correction for zero-padding taps);</li>
 *   <li>binary dense weights on 8-bit input levels → exact integer dots {@code Σ (2q − 255)·w};</li>
 *   <li>anything on float inputs, or real weights → the training graph's own float product.</li>
 * </ul>
 *
 * When integer dots are followed by a sign, the whole chain is folded into {@code threshold} and
 * {@code flip} (output bit = {@code dot ≥ threshold}, or {@code ≤} where flipped) and {@code ops} is
 * empty: such a stage goes bits → popcount → compare → bits with no float at all.
 *
 * <p>The per-feature arrays (thresholds, operations) have one entry per {@link #features() feature}:
 * per output of a dense stage, per filter (channel) of a convolution. What differs by kind of
 * product — its values, bytes, account, description and operation — is the product's; the record
 * holds what every stage shares.
 *
 * @param product what the stage computes first, with its values
 * @param inShape the input, per example
 * @param outShape the output, per example (after pooling)
 * @param conv the product's convolution window (an image), or null for a dense product or none
 * @param pool max pooling, or null
 * @param threshold per-feature integer thresholds of a folded stage, else null
 * @param flip per-feature comparison direction of a folded stage, else null
 * @param ops per-feature float operations (empty for a folded stage)
 * @param signOut whether the stage ends in a sign (its output is packed bits)
 */
public record PackedStage(StageProduct product, Shape inShape, Shape outShape, ConvGeometry conv, Pool pool, int[] threshold,
    boolean[] flip, PointwiseOp[] ops, boolean signOut) {

  /**
   * Max pooling over {@code size × size} windows with {@code stride}. Before the operations it pools
   * the product; after them ({@code afterOps}) it pools the stage's output — on bits after a sign,
   * where the maximum of ±1 values is an OR (and {@code sign(max v) = max sign(v)}, so a pool between
   * the operations and the sign lands here too).
   */
  public record Pool(int size, int stride, boolean afterOps) {
    public Pool {
      if (size <= 0 || stride <= 0) {
        throw new IllegalArgumentException("pool size and stride must be positive");
      }
    }

    Shape apply(Shape in) {
      if (in.height() < size || in.width() < size) {
        throw new IllegalArgumentException("a " + size + "×" + size + " pool does not fit " + in);
      }
      return new Shape((in.height() - size) / stride + 1, (in.width() - size) / stride + 1, in.channels());
    }
  }

  public PackedStage(StageProduct product, Shape inShape, Shape outShape, ConvGeometry conv, Pool pool, int[] threshold, boolean[] flip,
      PointwiseOp[] ops, boolean signOut) {
    this.product = Objects.requireNonNull(product);
    this.inShape = inShape;
    this.outShape = outShape;
    this.conv = conv;
    this.pool = pool;
    this.threshold = threshold;
    this.flip = flip;
    this.ops = ops;
    this.signOut = signOut;
    if ((threshold == null) != (flip == null) || (threshold != null && (!product.integerDots() || !signOut || ops.length > 0))) {
      throw new IllegalArgumentException("thresholds only follow integer dots, replace the operations and end in a sign");
    }
    if (conv != null && !conv.input().equals(inShape)) {
      throw new IllegalArgumentException("a convolution's window is over the stage's input " + inShape);
    }
    product.check(this);
    checkShapes();
  }

  /** {@code x + block(x)} over {@code shape}. */
  static PackedStage residual(Shape shape, List<PackedStage> block) {
    return new PackedStage(new StageProduct.Block(block), shape, shape, null, null, null, null, new PointwiseOp[0], false);
  }

  /** A layer kept in the graph's form. */
  static PackedStage graph(Shape in, Shape out, StageProduct.Graph graph) {
    return new PackedStage(graph, in, out, null, null, null, null, new PointwiseOp[0], false);
  }

  /** A product, then operations in float ({@code ops}) and optionally a sign. */
  static PackedStage of(StageProduct product, Shape in, Shape out, ConvGeometry conv, Pool pool, PointwiseOp[] ops, boolean signOut) {
    return new PackedStage(product, in, out, conv, pool, null, null, ops, signOut);
  }

  /** ±1 weights whose dots go through integer thresholds to bits. */
  static PackedStage folded(Shape in, Shape out, ConvGeometry conv, Pool pool, long[] weights, int[] threshold, boolean[] flip) {
    return new PackedStage(new StageProduct.Binary(weights), in, out, conv, pool, threshold, flip, new PointwiseOp[0], true);
  }

  private void checkShapes() {
    Shape product = productShape();
    Shape pooled = pool == null ? product : pool.apply(product);
    if (!pooled.equals(outShape)) {
      throw new IllegalArgumentException("stage output " + outShape + " does not match its product " + product
          + (pool == null ? "" : " pooled " + pool.size() + "×" + pool.size() + "/" + pool.stride()));
    }
    for (PointwiseOp op : ops) {
      for (int a = 0; a < op.arrays().length; a++) {
        if (op.arrays()[a].length != PointwiseOp.arrayLength(op.kind(), a, product)) {
          throw new IllegalArgumentException(op + " array " + a + " has " + op.arrays()[a].length + " values for a product of shape " + product);
        }
      }
      if (op.positional() && (conv == null || (pool != null && !pool.afterOps()))) {
        throw new IllegalArgumentException(op + " scales a convolution's positions before any pooling");
      }
      if (op.kind() == org.bnnspark.nn.Lowering.OpKind.ACTIVATION_SCALE && !this.product.integerDots()) {
        throw new IllegalArgumentException(op + " belongs to binary weights");
      }
    }
  }

  /** The shape of the product before pooling: the convolution's output, a dense layer's features, the input (no product), or a graph layer's output. */
  public Shape productShape() {
    return product.shape(inShape, outShape, conv);
  }

  /** Input values per example. */
  public int in() {
    return inShape.size();
  }

  /** Output values per example. */
  public int out() {
    return outShape.size();
  }

  /** Entries of the per-feature arrays: outputs of a dense stage, channels of an image. */
  public int features() {
    return outShape.channels();
  }

  /** Weights per feature (a filter's patch, or a dense row). */
  public int patch() {
    return conv != null ? conv.patchSize() : in();
  }

  public boolean folded() {
    return threshold != null;
  }

  public boolean poolsProduct() {
    return pool != null && !pool.afterOps();
  }

  public boolean poolsOutput() {
    return pool != null && pool.afterOps();
  }

  /** The summary's words for this stage: the product, pooling, then thresholds or operations and the sign. */
  public String describe() {
    String tail = folded() ? " · threshold → bits" : (ops.length > 0 ? " · " + Arrays.toString(ops) : "") + (signOut ? " · sign → bits" : "");
    return product.describe(this) + (pool == null ? "" : " · pool " + pool.size()) + tail;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PackedStage s && s.product.equals(product) && s.inShape.equals(inShape) && s.outShape.equals(outShape)
        && Objects.equals(s.conv, conv) && Objects.equals(s.pool, pool) && Arrays.equals(s.threshold, threshold)
        && Arrays.equals(s.flip, flip) && Arrays.equals(s.ops, ops) && s.signOut == signOut;
  }

  @Override
  public int hashCode() {
    return product.hashCode() * 31 + Arrays.hashCode(threshold) + inShape.hashCode() * 7 + outShape.hashCode();
  }

  @Override
  public String toString() {
    return "PackedStage(" + describe() + (pool != null ? (pool.afterOps() ? " after" : " before") : "") + ")";
  }
}
