package org.bnnspark.inference;

import java.util.ArrayList;
import java.util.List;
import org.bnnspark.bits.BitPacking;
import org.bnnspark.nn.ConvGeometry;
import org.bnnspark.nn.Layer;
import org.bnnspark.nn.Lowering;
import org.bnnspark.nn.Network;
import org.bnnspark.nn.NetworkSpec;
import org.bnnspark.nn.Shape;

/**
 * A trained network compiled for inference: immutable, compact, and exact.
 *
 * <p>Binary layers keep only their packed ±1 weights (64 per {@code long}); a hidden binary layer
 * with its BatchNorm and sign becomes one integer threshold per neuron, so between the first and
 * the last layer nothing but XNOR, popcount and integer compares runs. The edges:
 * <ul>
 *   <li><b>Input.</b> With an {@code input_range} the inputs are 8-bit levels (see {@link
 *       NetworkSpec#scaleInput}); a first binary layer computes {@code Σ (2q − 255)·w} in integers,
 *       skipping zero levels, and folds into thresholds like a hidden layer. This is exact — the
 *       training graph's float sum of those dyadic values has no rounding at all — and cheaper than
 *       8 bit-planes through the XNOR kernel, because real inputs such as pixels are mostly zero.
 *       Without a range the first layer runs the training graph's own float product.</li>
 *   <li><b>Output.</b> The last layer's integer dots go through the graph's float operations (e.g. the
 *       final BatchNorm) to logits identical to the training graph's.</li>
 * </ul>
 * Build one with {@link #compile}; run it with a per-thread {@link PackedScorer}; store it with
 * {@link PackedModelFile}.
 */
public final class PackedModel {
  /** How a stage's input is represented at run time. */
  public enum Representation {
    /** Floats on the network's input scale, or the previous stage's float output. */
    FLOAT,
    /** Packed ±1 bits from a preceding sign. */
    BITS,
    /** The network's quantized input levels {@code q ∈ [0, 255]}. */
    LEVELS
  }

  /** Largest input width whose level sums stay exact in float (|Σ| · 2⁸ < 2²⁴). */
  static final int MAX_EXACT_LEVEL_INPUTS = 65_536;

  private final String name;
  private final int inputSize;
  private final int classes;
  private final double inputLow;
  private final double inputHigh;
  private final List<PackedStage> stages;
  private final Representation[] stageInputs;
  private final String sourceConfig;

  public PackedModel(String name, int inputSize, int classes, double inputLow, double inputHigh, List<PackedStage> stages,
      String sourceConfig) {
    this.name = name;
    this.inputSize = inputSize;
    this.classes = classes;
    this.inputLow = inputLow;
    this.inputHigh = inputHigh;
    this.stages = List.copyOf(stages);
    this.sourceConfig = sourceConfig;
    this.stageInputs = new Representation[stages.size()];
    Representation rep = quantizedInput() ? Representation.LEVELS : Representation.FLOAT;
    int width = inputSize;
    for (int i = 0; i < stages.size(); i++) {
      PackedStage s = stages.get(i);
      if (s.in() != width) {
        throw new IllegalArgumentException("stage " + i + " takes " + s.in() + " inputs but receives " + width);
      }
      stageInputs[i] = rep;
      rep = s.signOut() ? Representation.BITS : Representation.FLOAT; // a residual stage's sum is float too
      width = s.out();
    }
    if (width != classes) {
      throw new IllegalArgumentException("the last stage has " + width + " outputs for " + classes + " classes");
    }
  }

  public String name() {
    return name;
  }

  public int inputSize() {
    return inputSize;
  }

  public int classes() {
    return classes;
  }

  public double inputLow() {
    return inputLow;
  }

  public double inputHigh() {
    return inputHigh;
  }

  public boolean quantizedInput() {
    return !Double.isNaN(inputLow);
  }

  public List<PackedStage> stages() {
    return stages;
  }

  /** The representation stage {@code i} receives. */
  public Representation stageInput(int i) {
    return stageInputs[i];
  }

  /** The configuration text of the training run this model was compiled from (provenance). */
  public String sourceConfig() {
    return sourceConfig;
  }

  /** A network spec with this model's input scale (for the readers that feed it). */
  public NetworkSpec inputSpec() {
    return new NetworkSpec(inputSize, inputLow, inputHigh, classes, List.of());
  }

  /**
   * Compiles a trained network: its inference-mode function, packed. {@code name} and
   * {@code sourceConfig} are kept for provenance.
   */
  public static PackedModel compile(Network network, float[] params, float[] state, String name, String sourceConfig) {
    NetworkSpec spec = network.spec();
    List<PackedStage> stages = compileLayers(network.layers(), params, state,
        spec.quantizedInput() ? Representation.LEVELS : Representation.FLOAT);
    return new PackedModel(name, spec.inputSize(), spec.classes(), spec.inputLow(), spec.inputHigh(), stages, sourceConfig);
  }

  /**
   * The stages of a layer sequence whose input arrives as {@code rep} (a residual block's layers
   * compile the same way). Each layer says what it is ({@link Layer#lower}); a run of forms
   * {@code product → [pool] → operations → [pool] → [sign] → [pool]} becomes one stage.
   */
  private static List<PackedStage> compileLayers(List<Layer> all, float[] params, float[] state, Representation rep) {
    List<Layer> layers = new ArrayList<>();
    List<Lowering> forms = new ArrayList<>();
    for (Layer l : all) {
      Lowering form = l.lower(params, state);
      if (form != Lowering.IDENTITY) {
        layers.add(l);
        forms.add(form);
      }
    }
    List<PackedStage> stages = new ArrayList<>();
    int i = 0;
    while (i < layers.size()) {
      int start = i;
      Layer first = layers.get(i);
      Lowering form = forms.get(i);
      if (form == Lowering.GRAPH) { // no packed kernel takes this layer: it runs in the training graph's own form
        stages.add(graphStage(first, params, state));
        rep = Representation.FLOAT;
        i++;
        continue;
      }
      if (form instanceof Lowering.Shortcut r) { // the shortcut is real-valued: the block takes the input as floats, the sum is float
        stages.add(PackedStage.residual(first.inShape(), compileLayers(r.block(), params, state, Representation.FLOAT)));
        rep = Representation.FLOAT;
        i++;
        continue;
      }
      StageProduct product = new StageProduct.None();
      ConvGeometry conv = null;
      float[] binaryWeights = null;
      List<PointwiseOp> ops = new ArrayList<>();
      if (form instanceof Lowering.Abc a) {
        conv = a.conv();
        int patch = conv != null ? conv.patchSize() : first.inShape().size();
        product = new StageProduct.Abc(a.alphas(), a.shifts(), a.betas(),
            BitPacking.packRows(a.weightBases(), a.weightBases().length / patch, patch));
        i++;
      } else if (form instanceof Lowering.Product p) {
        conv = p.conv();
        if (p.binary()) {
          binaryWeights = p.weights();
        } else {
          product = new StageProduct.Real(p.weights());
        }
        p.ops().forEach(op -> ops.add(PointwiseOp.of(op)));
        i++;
      }
      boolean weighted = i > start;
      PackedStage.Pool pool = null;
      if (weighted && ops.stream().allMatch(PointwiseOp::nonDecreasing) && i < forms.size()
          && forms.get(i) instanceof Lowering.MaxPool mp) {
        // pools the product, before the operations: exact, since the scale α ≥ 0 or bias so far commute with a maximum
        pool = new PackedStage.Pool(mp.size(), mp.stride(), false);
        i++;
      }
      for (; i < forms.size() && forms.get(i) instanceof Lowering.Op op; i++) {
        ops.add(PointwiseOp.of(op));
      }
      if (pool == null && i < forms.size() && forms.get(i) instanceof Lowering.MaxPool mp) {
        pool = new PackedStage.Pool(mp.size(), mp.stride(), true);
        i++;
      }
      boolean signOut = i < forms.size() && forms.get(i) == Lowering.SIGN;
      if (signOut) {
        i++;
      }
      if (signOut && pool == null && i < forms.size() && forms.get(i) instanceof Lowering.MaxPool mp) {
        pool = new PackedStage.Pool(mp.size(), mp.stride(), true); // pools the bits: an OR
        i++;
      }
      if (i == start) {
        throw new IllegalArgumentException("no packed stage takes " + first.describe() + "'s inference form " + form);
      }
      Shape in = first.inShape();
      Shape out = layers.get(i - 1).outShape();
      PointwiseOp[] stageOps = ops.toArray(PointwiseOp[]::new);
      stages.add(binaryWeights != null ? binaryStage(in, out, conv, pool, binaryWeights, stageOps, signOut, rep)
          : PackedStage.of(product, in, out, conv, pool, stageOps, signOut));
      rep = signOut ? Representation.BITS : Representation.FLOAT;
    }
    return stages;
  }

  /** A layer kept in the graph's form: its configuration and its slices of the parameters and state. */
  private static PackedStage graphStage(Layer layer, float[] params, float[] state) {
    if (layer.spec() == null) {
      throw new IllegalArgumentException("cannot compile layer " + layer.describe() + " into a packed model");
    }
    StageProduct.Graph graph = new StageProduct.Graph(layer.spec(),
        java.util.Arrays.copyOfRange(params, layer.paramOffset(), layer.paramOffset() + layer.paramCount()),
        java.util.Arrays.copyOfRange(state, layer.stateOffset(), layer.stateOffset() + layer.stateCount()));
    return PackedStage.graph(layer.inShape(), layer.outShape(), graph);
  }

  /** Binary weights, folded into thresholds where integer dots end in a sign through monotone operations. */
  private static PackedStage binaryStage(Shape in, Shape out, ConvGeometry conv, PackedStage.Pool pool, float[] weights, PointwiseOp[] ops,
      boolean signOut, Representation input) {
    int features = out.channels();
    int patch = conv != null ? conv.patchSize() : in.size();
    long[] packed = BitPacking.packRows(weights, features, patch);
    Thresholds.DotValue value = integerDotValue(input, patch);
    if (!signOut || value == null || !java.util.Arrays.stream(ops).allMatch(PointwiseOp::monotone)) {
      return PackedStage.of(new StageProduct.Binary(packed), in, out, conv, pool, ops, signOut);
    }
    int[] threshold = new int[features];
    boolean[] flip = new boolean[features];
    Thresholds.fold(ops, features, maxIntegerDot(input, patch), value, threshold, flip);
    return PackedStage.folded(in, out, conv, pool, packed, threshold, flip);
  }

  /**
   * How a binary stage's integer dot maps to the training graph's float, or null when it runs in
   * float: on bits always; on input levels, a dense product's or a convolution's window of fewer
   * than 2¹⁶ values (whose float sums are exact: see {@link NetworkSpec#scaleInput}).
   */
  static Thresholds.DotValue integerDotValue(Representation input, int patch) {
    return switch (input) {
      case BITS -> d -> (float) d;
      case LEVELS -> patch <= MAX_EXACT_LEVEL_INPUTS ? d -> d / (float) NetworkSpec.INPUT_LEVELS : null;
      case FLOAT -> null;
    };
  }

  static int maxIntegerDot(Representation input, int patch) {
    return input == Representation.LEVELS ? patch * (NetworkSpec.INPUT_LEVELS - 1) : patch;
  }

  /** A residual stage's block as a model of its own (float input, output of the input's width). */
  static PackedModel block(PackedStage residual) {
    return new PackedModel("residual", residual.in(), residual.out(), Double.NaN, Double.NaN,
        ((StageProduct.Block) residual.product()).stages(), "");
  }

  /** A scorer with its own buffers (one per thread). */
  public PackedScorer newScorer() {
    return new PackedScorer(this);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PackedModel m && m.name.equals(name) && m.inputSize == inputSize && m.classes == classes
        && Double.compare(m.inputLow, inputLow) == 0 && Double.compare(m.inputHigh, inputHigh) == 0
        && m.stages.equals(stages) && m.sourceConfig.equals(sourceConfig);
  }

  @Override
  public int hashCode() {
    return stages.hashCode();
  }
}
