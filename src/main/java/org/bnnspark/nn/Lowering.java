package org.bnnspark.nn;

import java.util.List;

/**
 * What a layer is at inference, in the few forms a packed compiler builds on: each layer says it
 * itself ({@link Layer#lower}), so the compiler ({@code org.bnnspark.inference.PackedModel}) reads
 * forms, not layer types, and a new layer kind costs the compiler nothing when it lowers to a form
 * that exists. The forms:
 * <ul>
 *   <li>{@link Product}: a dense product or a convolution's per-window product, with ±1 or real
 *       weights, followed by the per-feature operations it applies itself (its scale α, an
 *       image-position scale, XNOR-Net's K, its bias);</li>
 *   <li>{@link Abc}: ABC-Net's M × N products of weight bases and shifted activation signs;</li>
 *   <li>{@link Op}: one per-feature function ({@link OpKind}) — BatchNorm, bias, clip, PReLU-like;</li>
 *   <li>{@link MaxPool} and {@link Sign}: a max pooling window, a binary activation;</li>
 *   <li>{@link Shortcut}: {@code x + block(x)} around inner layers, which lower in turn;</li>
 *   <li>{@link #IDENTITY} (dropout, a flatten of a channels-last row) and {@link #GRAPH}: no form of
 *       its own — the packed model keeps the layer and runs its forward, which is exact by
 *       construction (average pooling does this).</li>
 * </ul>
 * The compiler groups a run of forms into one packed stage (product → pool → operations → sign
 * folds into integer thresholds when the operations are monotone); what it can group is its
 * business, what each layer is, the layer's.
 */
public interface Lowering {

  /** The identity at inference. */
  Lowering IDENTITY = new Lowering() {};

  /** A layer kept in the training graph's form (its configuration is written with the model). */
  Lowering GRAPH = new Lowering() {};

  /** A binary activation: the output is the sign of the input, ±1. */
  Lowering SIGN = new Lowering() {};

  /**
   * {@code features × patch} row-major weights ({@code binary}: ±1) over the whole input, or over
   * each window of {@code conv} (then {@code features} = filters), then {@code ops} in order.
   */
  record Product(boolean binary, ConvGeometry conv, float[] weights, List<Op> ops) implements Lowering {
    public Product {
      ops = List.copyOf(ops);
    }
  }

  /**
   * ABC-Net ({@link AbcLayer}): {@code weightBases} = M blocks of ±1 {@code features × patch} weights,
   * scales α (M), activation shifts v and scales β (N), over the whole input or each window of {@code conv}.
   */
  record Abc(ConvGeometry conv, float[] weightBases, float[] alphas, float[] shifts, float[] betas) implements Lowering {}

  /** Max pooling over {@code size × size} windows with {@code stride}. */
  record MaxPool(int size, int stride) implements Lowering {}

  /** {@code x + block(x)}: a real-valued shortcut around layers that lower in turn. */
  record Shortcut(List<Layer> block) implements Lowering {}

  /** One per-feature operation with its per-feature arrays (see {@link OpKind} for each kind's). */
  record Op(OpKind kind, float[][] arrays) implements Lowering {}

  /** The per-feature operations, with the code a packed model file stores for each and the arrays each carries. */
  enum OpKind {
    /** {@code v + b[j]}. */
    ADD_BIAS(1, 1),
    /** {@link BatchNorm#normalize} with {@code [mean, invStd, γ, β]}. */
    BATCH_NORM(2, 4),
    /** {@link Activation.Kind#HARDTANH}. */
    HARDTANH(3, 0),
    /** {@link Activation.Kind#RELU}. */
    RELU(4, 0),
    /** {@code v · a[j]}: a scaled binary layer's α (XNOR-Net). */
    SCALE(5, 1),
    /** {@link RPRelu#apply} with {@code [γ, ζ, β]} (ReActNet); monotone only while ζ ≥ 0. */
    RPRELU(6, 3),
    /** {@link Activation.Kind#TANH}. */
    TANH(7, 0),
    /**
     * {@code v · β[y] · γ[x]} at output row y, column x ({@link Conv2d#spatialFactor}; XNOR-Net++'s
     * α ⊗ β ⊗ γ with α a {@code SCALE} before it), with {@code [β (rows), γ (columns)]}.
     */
    SCALE_POSITIONS(8, 2),
    /**
     * {@code v · K} with K the mean |input| over the output position's window ({@link Conv2d#windowScale};
     * XNOR-Net's activation scale), computed at run time from the layer's real input: the layer
     * binarizes that input itself.
     */
    ACTIVATION_SCALE(9, 0);

    private final int code;
    private final int arrayCount;

    OpKind(int code, int arrayCount) {
      this.code = code;
      this.arrayCount = arrayCount;
    }

    /** The kind's code in a packed model file (stable: files of every version use it). */
    public int code() {
      return code;
    }

    public int arrayCount() {
      return arrayCount;
    }

    public static OpKind byCode(int code, String source) {
      for (OpKind k : values()) {
        if (k.code == code) {
          return k;
        }
      }
      throw new IllegalArgumentException(source + ": unknown pointwise operation code " + code);
    }
  }
}
