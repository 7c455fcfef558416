package org.bnnspark.inference;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.bnnspark.nn.ConvGeometry;
import org.bnnspark.nn.Shape;

/**
 * One stage of a packed model: an optional linear product (dense, or a convolution over a
 * channels-last image), optional max pooling, per-feature operations, and optionally a sign.
 * Which arithmetic runs depends on the stage's input representation:
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
 * per output of a dense stage, per filter (channel) of a convolution.
 *
 * @param linear which product the stage starts with
 * @param inShape the input, per example
 * @param outShape the output, per example (after pooling)
 * @param conv the convolution's window (linear ≠ NONE on an image), or null for a dense product or none
 * @param pool max pooling, or null
 * @param binaryWeights {@code features} packed rows of {@code patch} ±1 weights (linear = BINARY; ABC: M such
 *     blocks, one per weight base), else null
 * @param realWeights {@code features × patch} row-major float weights (linear = REAL), else null
 * @param abc ABC-Net's scales and shifts (linear = ABC), else null
 * @param threshold per-feature integer thresholds of a folded stage, else null
 * @param flip per-feature comparison direction of a folded stage, else null
 * @param ops per-feature float operations (empty for a folded stage)
 * @param signOut whether the stage ends in a sign (its output is packed bits)
 * @param block a residual stage's inner stages (linear = RESIDUAL: output = input + block(input)), else null
 * @param graph a layer the packed model runs in the training graph's form (linear = GRAPH), else null
 */
public record PackedStage(Linear linear, Shape inShape, Shape outShape, ConvGeometry conv, Pool pool, long[] binaryWeights,
    float[] realWeights, Abc abc, int[] threshold, boolean[] flip, PointwiseOp[] ops, boolean signOut, List<PackedStage> block,
    Graph graph) {

  /** The product a stage starts with. */
  public enum Linear {
    NONE(0), BINARY(1), REAL(2),
    /** ABC-Net: M weight bases times N activation bases, each product XNOR-popcount ({@link org.bnnspark.nn.AbcLayer}). */
    ABC(3),
    /** A real-valued shortcut around inner stages: {@code x + block(x)} ({@link org.bnnspark.nn.Residual}). */
    RESIDUAL(4),
    /**
     * A layer with no packed kernel of its own — its inputs and outputs are real, e.g. average
     * pooling — run through the training graph's own forward in inference mode ({@link Graph}).
     */
    GRAPH(5);

    final int code;

    Linear(int code) {
      this.code = code;
    }

    static Linear byCode(int code, String source) {
      for (Linear l : values()) {
        if (l.code == code) {
          return l;
        }
      }
      throw new IllegalArgumentException(source + ": unknown stage kind " + code);
    }
  }

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

  /**
   * ABC-Net's parameters: weight-base scales α (M), activation shifts v and scales β (N); an input
   * value r gives activation bit n when {@code r + v_n ≥ 0.5}.
   */
  public record Abc(float[] alphas, float[] shifts, float[] betas) {
    public Abc {
      if (alphas.length == 0 || shifts.length == 0 || shifts.length != betas.length) {
        throw new IllegalArgumentException("ABC-Net takes M ≥ 1 α and N ≥ 1 (v, β) pairs");
      }
    }

    public int weightBases() {
      return alphas.length;
    }

    public int activationBases() {
      return shifts.length;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Abc a && Arrays.equals(a.alphas, alphas) && Arrays.equals(a.shifts, shifts) && Arrays.equals(a.betas, betas);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(alphas) * 31 + Arrays.hashCode(betas);
    }
  }

  /**
   * A layer kept in the training graph's form: its configuration (from which it is rebuilt on the
   * stage's input shape) and its slices of the parameters and state. Exact by construction: the
   * packed model runs the very code the graph runs. Any layer kind without a packed kernel lowers to
   * this, so a new float layer needs nothing here.
   */
  public record Graph(org.bnnspark.nn.LayerSpec spec, float[] params, float[] state) {
    /** The layer, standalone over {@link #params} and {@link #state}, for input {@code in} (one per thread: layers keep scratch). */
    public org.bnnspark.nn.Layer layer(Shape in) {
      org.bnnspark.nn.Layer l = spec.build(in).standalone();
      if (l.paramCount() != params.length || l.stateCount() != state.length) {
        throw new IllegalArgumentException(l.describe() + " takes " + l.paramCount() + " parameters and " + l.stateCount()
            + " state values, the stage holds " + params.length + " and " + state.length);
      }
      return l;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Graph g && g.spec.equals(spec) && Arrays.equals(g.params, params) && Arrays.equals(g.state, state);
    }

    @Override
    public int hashCode() {
      return spec.hashCode() * 31 + Arrays.hashCode(params);
    }
  }

  public PackedStage {
    Objects.requireNonNull(linear);
    if ((linear == Linear.GRAPH) != (graph != null)) {
      throw new IllegalArgumentException("a layer in the graph's form belongs to a graph stage");
    }
    if (graph != null) {
      if (conv != null || pool != null || signOut || ops.length > 0 || binaryWeights != null || realWeights != null) {
        throw new IllegalArgumentException("a graph stage runs its layer alone");
      }
      if (!graph.layer(inShape).outShape().equals(outShape)) {
        throw new IllegalArgumentException("the graph stage's layer gives " + graph.layer(inShape).outShape() + ", not " + outShape);
      }
    }
    if ((linear == Linear.ABC) != (abc != null)) {
      throw new IllegalArgumentException("ABC-Net parameters belong to an ABC stage");
    }
    if ((linear == Linear.RESIDUAL) != (block != null)) {
      throw new IllegalArgumentException("inner stages belong to a residual stage");
    }
    if (block != null) {
      block = List.copyOf(block);
      if (conv != null || pool != null || signOut || ops.length > 0 || !inShape.equals(outShape) || block.isEmpty()) {
        throw new IllegalArgumentException("a residual stage adds its input to its non-empty block's output of the same shape");
      }
    }
    if (linear != Linear.GRAPH) {
      checkProduct(linear, inShape, outShape, conv, pool, ops);
    }
  }

  /** {@code x + block(x)} over {@code shape}. */
  static PackedStage residual(Shape shape, List<PackedStage> block) {
    return new PackedStage(Linear.RESIDUAL, shape, shape, null, null, null, null, null, null, null, new PointwiseOp[0], false, block, null);
  }

  /** A layer kept in the graph's form. */
  static PackedStage graph(Shape in, Shape out, Graph graph) {
    return new PackedStage(Linear.GRAPH, in, out, null, null, null, null, null, null, null, new PointwiseOp[0], false, null, graph);
  }

  /** ±1 weights, then operations in float ({@code ops}) and optionally a sign. */
  static PackedStage binary(Shape in, Shape out, ConvGeometry conv, Pool pool, long[] weights, PointwiseOp[] ops, boolean signOut) {
    return new PackedStage(Linear.BINARY, in, out, conv, pool, weights, null, null, null, null, ops, signOut, null, null);
  }

  /** ±1 weights whose dots go through integer thresholds to bits. */
  static PackedStage folded(Shape in, Shape out, ConvGeometry conv, Pool pool, long[] weights, int[] threshold, boolean[] flip) {
    return new PackedStage(Linear.BINARY, in, out, conv, pool, weights, null, null, threshold, flip, new PointwiseOp[0], true, null, null);
  }

  /** Real weights ({@code features × patch}), or none ({@code weights} null: operations only). */
  static PackedStage real(Shape in, Shape out, ConvGeometry conv, Pool pool, float[] weights, PointwiseOp[] ops, boolean signOut) {
    return new PackedStage(weights == null ? Linear.NONE : Linear.REAL, in, out, conv, pool, null, weights, null, null, null, ops, signOut,
        null, null);
  }

  /** ABC-Net's packed weight bases and parameters. */
  static PackedStage abc(Shape in, Shape out, ConvGeometry conv, Pool pool, Abc abc, long[] bases, PointwiseOp[] ops, boolean signOut) {
    return new PackedStage(Linear.ABC, in, out, conv, pool, bases, null, abc, null, null, ops, signOut, null, null);
  }

  private static void checkProduct(Linear linear, Shape inShape, Shape outShape, ConvGeometry conv, Pool pool, PointwiseOp[] ops) {
    if (conv != null && (linear == Linear.NONE || !conv.input().equals(inShape))) {
      throw new IllegalArgumentException("a convolution needs weights and the stage's input shape");
    }
    Shape product = productShape(linear, inShape, conv, outShape.channels());
    Shape pooled = pool == null ? product : pool.apply(product);
    if (!pooled.equals(outShape)) {
      throw new IllegalArgumentException("stage output " + outShape + " does not match its product " + product
          + (pool == null ? "" : " pooled " + pool.size() + "×" + pool.size() + "/" + pool.stride()));
    }
    if ((linear == Linear.NONE || linear == Linear.RESIDUAL) && !inShape.equals(product)) {
      throw new IllegalArgumentException("a stage without weights must keep its shape (" + inShape + " → " + outShape + ")");
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
      if (op.kind() == org.bnnspark.nn.Lowering.OpKind.ACTIVATION_SCALE && linear != Linear.BINARY) {
        throw new IllegalArgumentException(op + " belongs to binary weights");
      }
    }
  }

  /** The shape of the product before pooling: the convolution's output, a dense layer's features, or the input (a graph stage: its output). */
  static Shape productShape(Linear linear, Shape in, ConvGeometry conv, int features) {
    if (conv != null) {
      return new Shape(conv.outHeight(), conv.outWidth(), features);
    }
    return linear == Linear.NONE || linear == Linear.RESIDUAL ? in : Shape.flat(features);
  }

  public Shape productShape() {
    return linear == Linear.GRAPH ? outShape : productShape(linear, inShape, conv, outShape.channels());
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

  @Override
  public boolean equals(Object o) {
    return o instanceof PackedStage s && s.linear == linear && s.inShape.equals(inShape) && s.outShape.equals(outShape)
        && Objects.equals(s.conv, conv) && Objects.equals(s.pool, pool)
        && Arrays.equals(s.binaryWeights, binaryWeights) && Arrays.equals(s.realWeights, realWeights) && Objects.equals(s.abc, abc)
        && Arrays.equals(s.threshold, threshold) && Arrays.equals(s.flip, flip) && Arrays.equals(s.ops, ops)
        && s.signOut == signOut && Objects.equals(s.block, block) && Objects.equals(s.graph, graph);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(binaryWeights) * 31 + Arrays.hashCode(threshold) + inShape.hashCode() * 7 + outShape.hashCode();
  }

  @Override
  public String toString() {
    return "PackedStage(" + linear + (graph != null ? " " + graph.spec().type() : "") + (conv != null ? " conv " + conv.kernel() + "×" + conv.kernel() + "/" + conv.stride() : "") + " "
        + inShape + "→" + outShape + (pool != null ? ", pool " + pool.size() + (pool.afterOps() ? " after" : " before") : "")
        + (folded() ? ", thresholds" : ", ops=" + Arrays.toString(ops)) + (signOut ? ", sign" : "") + ")";
  }
}
