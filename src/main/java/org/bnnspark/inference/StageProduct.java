package org.bnnspark.inference;

import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.bnnspark.bits.BinaryGemm;
import org.bnnspark.bits.BitPacking;
import org.bnnspark.inference.ModelSummary.Totals;
import org.bnnspark.inference.PackedModel.Representation;
import org.bnnspark.nn.ConvGeometry;
import org.bnnspark.nn.Layer;
import org.bnnspark.nn.LayerSpec;
import org.bnnspark.nn.Shape;

/**
 * What a packed stage computes first — its product — with everything that differs by kind, in one
 * class per kind: the values it stores (packed ±1 rows, real weights, ABC-Net's bases, a residual
 * block's stages, a layer in the graph's form), its bytes in the model file under its registered
 * {@link #code() code}, its account and description in the summary, the shape it produces, and the
 * {@link StageOp} that runs it on the representation its input arrives in. What every stage shares —
 * its shapes, convolution window, pooling, per-feature operations or thresholds, sign — stays in
 * {@link PackedStage}.
 *
 * <p>A product is immutable and shared (a broadcast model serves every thread of an executor); the
 * operation it makes is one scorer's, with that thread's buffers. A new kind is one record here:
 * its code joins {@link #READERS}, and the compiler sees it through {@link PackedModel#compile}'s
 * lowering forms.
 */
public sealed interface StageProduct
    permits StageProduct.None, StageProduct.Binary, StageProduct.Real, StageProduct.Abc, StageProduct.Block, StageProduct.Graph {

  /** The kind's code in the model file (docs/model-format.md). */
  int code();

  /** The oldest file version that can hold this product (a file takes its stages' largest). */
  default int minVersion() {
    return PackedModelFile.VERSION_WITHOUT_GRAPH_STAGES;
  }

  /** The product's shape, before any pooling, for a stage {@code in → out} with window {@code conv} (or null). */
  Shape shape(Shape in, Shape out, ConvGeometry conv);

  /** Whether its dots are integers on integer inputs (±1 weights): thresholds may follow it, XNOR-Net's K may scale it. */
  default boolean integerDots() {
    return false;
  }

  /** The kind's own constraints on {@code st} (the shared ones are {@link PackedStage}'s); throws IllegalArgumentException. */
  void check(PackedStage st);

  /** Its bytes, between the stage's common header and its epilogue. */
  void write(DataOutputStream d) throws IOException;

  /** Its parameters, bytes and multiply-accumulates in {@code st} on {@code input} (the operations and thresholds are counted by the stage). */
  Totals account(PackedStage st, Representation input);

  /** The summary's words for it in {@code st}: kind, window, shapes. */
  String describe(PackedStage st);

  /** The operation that runs {@code st} on {@code input}, with its own buffers. */
  StageOp op(PackedStage st, Representation input, BinaryGemm kernel);

  /** Reads one kind's bytes. */
  interface Reader {
    StageProduct read(PackedModelFile.In in) throws IOException;
  }

  /** Every kind's reader, by its code. */
  Map<Integer, Reader> READERS = Map.of(None.CODE, in -> new None(), Binary.CODE, Binary::read, Real.CODE, Real::read,
      Abc.CODE, Abc::read, Block.CODE, Block::read, Graph.CODE, Graph::read);

  /** Reads the product whose kind is {@code code}. */
  static StageProduct read(int code, PackedModelFile.In in) throws IOException {
    Reader r = READERS.get(code);
    if (r == null) {
      throw new IOException(in.where + ": unknown stage kind " + code);
    }
    return r.read(in);
  }

  /** A window's words for the summary: " conv 3×3/1", or nothing. */
  private static String window(PackedStage st) {
    return st.conv() == null ? "" : " conv " + st.conv().kernel() + "×" + st.conv().kernel() + "/" + st.conv().stride();
  }

  private static String shapes(PackedStage st) {
    return st.inShape() + "→" + st.outShape();
  }

  /** A dense product's features, or a convolution's positions × features. */
  private static Shape weightedShape(Shape in, Shape out, ConvGeometry conv) {
    return conv != null ? new Shape(conv.outHeight(), conv.outWidth(), out.channels()) : Shape.flat(out.channels());
  }

  /** Multiply-accumulates of {@code features × patch} weights: a convolution applies each once per output position. */
  private static long macs(PackedStage st) {
    long weights = (long) st.patch() * st.features();
    return st.conv() == null ? weights : weights * st.conv().positions();
  }

  private static void requireAlone(PackedStage st, String what) {
    if (st.conv() != null || st.pool() != null || st.signOut() || st.ops().length > 0 || st.folded()) {
      throw new IllegalArgumentException(what + " runs alone: no window, pooling, operations or sign of the stage's");
    }
  }

  /** No product: the stage's operations run on its input ({@link FloatOp}). */
  record None() implements StageProduct {
    static final int CODE = 0;

    public int code() {
      return CODE;
    }

    public Shape shape(Shape in, Shape out, ConvGeometry conv) {
      return in;
    }

    public void check(PackedStage st) {
      if (st.conv() != null) {
        throw new IllegalArgumentException("a convolution needs weights");
      }
    }

    public void write(DataOutputStream d) {}

    public Totals account(PackedStage st, Representation input) {
      return Totals.ZERO;
    }

    public String describe(PackedStage st) {
      return "pointwise " + shapes(st);
    }

    public StageOp op(PackedStage st, Representation input, BinaryGemm kernel) {
      return new FloatOp(st, input, null);
    }
  }

  /**
   * ±1 weights, {@code features} packed rows of {@code patch} bits (64 per {@code long}). On bits
   * their dots are XNOR-popcounts, on the input's 8-bit levels exact integer sums; on floats they
   * run as the graph's ±1 float product.
   */
  record Binary(long[] rows) implements StageProduct {
    static final int CODE = 1;

    public int code() {
      return CODE;
    }

    public Shape shape(Shape in, Shape out, ConvGeometry conv) {
      return weightedShape(in, out, conv);
    }

    @Override
    public boolean integerDots() {
      return true;
    }

    public void check(PackedStage st) {
      if (rows.length != st.features() * BitPacking.words(st.patch())) {
        throw new IllegalArgumentException(rows.length + " packed words for " + st.features() + " rows of " + st.patch() + " weights");
      }
    }

    public void write(DataOutputStream d) throws IOException {
      PackedModelFile.writeLongs(d, rows);
    }

    static Binary read(PackedModelFile.In in) throws IOException {
      return new Binary(in.packedRows(1));
    }

    public Totals account(PackedStage st, Representation input) {
      long weights = (long) st.patch() * st.features();
      long macs = macs(st);
      boolean integer = PackedModel.integerDotValue(input, st.patch()) != null;
      return new Totals(weights, 0, 0, 8L * rows.length, 4 * weights, integer && input == Representation.BITS ? macs : 0,
          integer && input == Representation.LEVELS ? macs : 0, integer ? 0 : macs);
    }

    public String describe(PackedStage st) {
      return "binary" + window(st) + " " + shapes(st);
    }

    public StageOp op(PackedStage st, Representation input, BinaryGemm kernel) {
      if (PointwiseOp.activationScaled(st.ops())) {
        return new ScaledXnorConvOp(st, input, kernel, rows);
      }
      boolean wholeRow = st.conv() == null || (st.conv().positions() == 1 && st.patch() == st.in());
      if (input == Representation.BITS) {
        return wholeRow ? new XnorDenseOp(st, input, kernel, rows) : new XnorConvOp(st, input, kernel, rows);
      }
      if (input == Representation.LEVELS && PackedModel.integerDotValue(input, st.patch()) != null) {
        return st.conv() == null ? new LevelDenseOp(st, input, rows) : new LevelConvOp(st, input, rows);
      }
      float[] w = new float[st.features() * st.patch()];
      Activations.unpack(rows, st.patch(), st.features(), w);
      return new FloatOp(st, input, w);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Binary b && Arrays.equals(b.rows, rows);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(rows);
    }

    @Override
    public String toString() {
      return "Binary(" + rows.length + " words)";
    }
  }

  /** Real weights, {@code features × patch} row-major floats: the training graph's float product ({@link FloatOp}). */
  record Real(float[] weights) implements StageProduct {
    static final int CODE = 2;

    public int code() {
      return CODE;
    }

    public Shape shape(Shape in, Shape out, ConvGeometry conv) {
      return weightedShape(in, out, conv);
    }

    public void check(PackedStage st) {
      if (weights.length != (long) st.features() * st.patch()) {
        throw new IllegalArgumentException(weights.length + " weights for " + st.features() + " rows of " + st.patch());
      }
    }

    public void write(DataOutputStream d) throws IOException {
      PackedModelFile.writeFloats(d, weights);
    }

    static Real read(PackedModelFile.In in) throws IOException {
      return new Real(in.floats((long) in.features * in.patch));
    }

    public Totals account(PackedStage st, Representation input) {
      long w = weights.length;
      return new Totals(0, w, 0, 4 * w, 4 * w, 0, 0, macs(st));
    }

    public String describe(PackedStage st) {
      return "float" + window(st) + " " + shapes(st);
    }

    public StageOp op(PackedStage st, Representation input, BinaryGemm kernel) {
      return new FloatOp(st, input, weights);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Real r && Arrays.equals(r.weights, weights);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(weights);
    }

    @Override
    public String toString() {
      return "Real(" + weights.length + " weights)";
    }
  }

  /**
   * ABC-Net (Lin et al. 2017, {@link org.bnnspark.nn.AbcLayer}): M weight bases, each {@code features}
   * packed ±1 rows, scaled by α (M); N activation bases of the input, bit n set where
   * {@code r + v_n ≥ 0.5}, scaled by β (N). The product is {@code Σ_m Σ_n α_m β_n · (B_m · A_n)},
   * M × N XNOR-popcount products ({@link AbcOp}).
   */
  record Abc(float[] alphas, float[] shifts, float[] betas, long[] bases) implements StageProduct {
    static final int CODE = 3;
    private static final int MAX_BASES = 64;

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

    public int code() {
      return CODE;
    }

    public Shape shape(Shape in, Shape out, ConvGeometry conv) {
      return weightedShape(in, out, conv);
    }

    public void check(PackedStage st) {
      if (bases.length != weightBases() * st.features() * BitPacking.words(st.patch())) {
        throw new IllegalArgumentException(bases.length + " packed words for " + weightBases() + " bases of " + st.features() + " rows");
      }
    }

    /** M, N, α, v, β, then M blocks of packed rows. */
    public void write(DataOutputStream d) throws IOException {
      d.writeInt(weightBases());
      d.writeInt(activationBases());
      PackedModelFile.writeFloats(d, alphas);
      PackedModelFile.writeFloats(d, shifts);
      PackedModelFile.writeFloats(d, betas);
      PackedModelFile.writeLongs(d, bases);
    }

    static Abc read(PackedModelFile.In in) throws IOException {
      int m = in.b.getInt();
      int n = in.b.getInt();
      if (m < 1 || m > MAX_BASES || n < 1 || n > MAX_BASES) {
        throw new IOException(in.where + ": ABC-Net base counts " + m + " × " + n + " are out of range");
      }
      return new Abc(in.floats(m), in.floats(n), in.floats(n), in.packedRows(m));
    }

    public Totals account(PackedStage st, Representation input) {
      long weights = (long) st.patch() * st.features();
      long floats = weightBases() + 2L * activationBases();
      return new Totals(weights * weightBases(), floats, 0, 8L * bases.length + 4 * floats, 4 * (weights + floats),
          macs(st) * weightBases() * activationBases(), 0, 0);
    }

    public String describe(PackedStage st) {
      return "abc " + weightBases() + "×" + activationBases() + window(st) + " " + shapes(st);
    }

    public StageOp op(PackedStage st, Representation input, BinaryGemm kernel) {
      return new AbcOp(st, input, kernel, this);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Abc a && Arrays.equals(a.alphas, alphas) && Arrays.equals(a.shifts, shifts) && Arrays.equals(a.betas, betas)
          && Arrays.equals(a.bases, bases);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(alphas) * 31 + Arrays.hashCode(bases);
    }

    @Override
    public String toString() {
      return "Abc(" + weightBases() + "×" + activationBases() + ")";
    }
  }

  /**
   * A real-valued shortcut around inner stages (Bi-Real Net, ReActNet; {@link org.bnnspark.nn.Residual}):
   * {@code x + block(x)}, the block's stages taking the input as floats ({@link ResidualOp}).
   */
  record Block(List<PackedStage> stages) implements StageProduct {
    static final int CODE = 4;
    /** How deep residual blocks may nest in a file. */
    private static final int MAX_DEPTH = 16;

    public Block {
      stages = List.copyOf(stages);
      if (stages.isEmpty()) {
        throw new IllegalArgumentException("a residual block needs stages");
      }
    }

    public int code() {
      return CODE;
    }

    @Override
    public int minVersion() {
      return stages.stream().mapToInt(s -> s.product().minVersion()).max().orElseThrow();
    }

    public Shape shape(Shape in, Shape out, ConvGeometry conv) {
      return in;
    }

    public void check(PackedStage st) {
      requireAlone(st, "a residual stage");
      if (!st.inShape().equals(st.outShape())) {
        throw new IllegalArgumentException("a residual stage adds its input to its block's output of the same shape");
      }
      PackedModel.block(st); // the block's stages must chain from the stage's input to its output
    }

    /** The stage count and the stages. */
    public void write(DataOutputStream d) throws IOException {
      d.writeInt(stages.size());
      for (PackedStage inner : stages) {
        PackedModelFile.writeStage(d, inner);
      }
    }

    static Block read(PackedModelFile.In in) throws IOException {
      int count = in.b.getInt();
      if (count < 1 || count > PackedModelFile.MAX_STAGES || in.depth >= MAX_DEPTH) {
        throw new IOException(in.where + ": residual block of " + count + " stages at depth " + in.depth + " is out of range");
      }
      return new Block(in.stages(count));
    }

    /** Its stages' totals, plus the shortcut's additions. */
    public Totals account(PackedStage st, Representation input) {
      return ModelSummary.totals(PackedModel.block(st)).plus(new Totals(0, 0, 0, 0, 0, 0, 0, st.in()));
    }

    public String describe(PackedStage st) {
      return "residual " + shapes(st) + ": x + " + stages.size() + " stage(s)";
    }

    public StageOp op(PackedStage st, Representation input, BinaryGemm kernel) {
      return new ResidualOp(st, input, kernel);
    }
  }

  /**
   * A layer with no packed kernel of its own — real in, real out, e.g. average pooling — kept in
   * the training graph's form: its configuration (from which it is rebuilt on the stage's input
   * shape) and its slices of the parameters and state. Exact by construction: the packed model runs
   * the very code the graph runs ({@link GraphOp}). Any layer kind without a packed kernel lowers
   * to this, so a new float layer needs nothing here.
   */
  record Graph(LayerSpec spec, float[] params, float[] state) implements StageProduct {
    static final int CODE = 5;

    /** The layer, standalone over {@link #params} and {@link #state}, for input {@code in} (one per thread: layers keep scratch). */
    public Layer layer(Shape in) {
      Layer l = spec.build(in).standalone();
      if (l.paramCount() != params.length || l.stateCount() != state.length) {
        throw new IllegalArgumentException(l.describe() + " takes " + l.paramCount() + " parameters and " + l.stateCount()
            + " state values, the stage holds " + params.length + " and " + state.length);
      }
      return l;
    }

    public int code() {
      return CODE;
    }

    @Override
    public int minVersion() {
      return PackedModelFile.VERSION;
    }

    public Shape shape(Shape in, Shape out, ConvGeometry conv) {
      return out;
    }

    public void check(PackedStage st) {
      requireAlone(st, "a graph stage's layer");
      Shape gives = layer(st.inShape()).outShape();
      if (!gives.equals(st.outShape())) {
        throw new IllegalArgumentException("the graph stage's layer gives " + gives + ", not " + st.outShape());
      }
    }

    /** The layer's configuration, its parameters and its state. */
    public void write(DataOutputStream d) throws IOException {
      spec.write(d);
      d.writeInt(params.length);
      PackedModelFile.writeFloats(d, params);
      d.writeInt(state.length);
      PackedModelFile.writeFloats(d, state);
    }

    static Graph read(PackedModelFile.In in) throws IOException {
      if (in.version < PackedModelFile.VERSION) {
        throw new IOException(in.where + ": a graph stage in a version " + in.version + " file");
      }
      LayerSpec spec = in.spec();
      float[] params = in.floats(in.count("parameter count"));
      return new Graph(spec, params, in.floats(in.count("state count")));
    }

    /** The layer's own parameters and state, as floats both ways. */
    public Totals account(PackedStage st, Representation input) {
      long floats = params.length + (long) state.length;
      return new Totals(0, floats, 0, 4 * floats, 4 * floats, 0, 0, layer(st.inShape()).macsPerExample());
    }

    public String describe(PackedStage st) {
      return "graph " + layer(st.inShape()).describe();
    }

    public StageOp op(PackedStage st, Representation input, BinaryGemm kernel) {
      return new GraphOp(st, input, this);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Graph g && g.spec.equals(spec) && Arrays.equals(g.params, params) && Arrays.equals(g.state, state);
    }

    @Override
    public int hashCode() {
      return spec.hashCode() * 31 + Arrays.hashCode(params);
    }

    @Override
    public String toString() {
      return "Graph(" + spec.type() + ")";
    }
  }
}
