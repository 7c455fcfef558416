package org.bnnspark.inference;

import java.util.Locale;
import org.bnnspark.inference.PackedModel.Representation;

/**
 * A per-stage account of a packed model in the spirit of {@code larq.models.summary}: parameters
 * by precision, memory packed vs. the float32 model of the same architecture, multiply-accumulates
 * by precision, compression ratio.
 */
public final class ModelSummary {
  private ModelSummary() {}

  /** Totals over all stages. */
  public record Totals(long binaryWeights, long floatParams, long thresholds, long packedBytes, long float32Bytes,
      long binaryMacs, long levelMacs, long floatMacs) {
    public double compression() {
      return (double) float32Bytes / packedBytes;
    }
  }

  public static Totals totals(PackedModel m) {
    long[] t = new long[8];
    for (int s = 0; s < m.stages().size(); s++) {
      long[] r = row(m, s);
      for (int i = 0; i < t.length; i++) {
        t[i] += r[i];
      }
    }
    return new Totals(t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7]);
  }

  /** {binary weights, float params, thresholds, packed bytes, float32 bytes, binary MACs, 8×1-bit MACs, float MACs}. */
  private static long[] row(PackedModel m, int s) {
    PackedStage st = m.stages().get(s);
    if (st.linear() == PackedStage.Linear.RESIDUAL) { // its block's totals, plus the shortcut's additions
      Totals t = totals(PackedModel.block(st));
      return new long[] {t.binaryWeights(), t.floatParams(), t.thresholds(), t.packedBytes(), t.float32Bytes(), t.binaryMacs(),
          t.levelMacs(), t.floatMacs() + st.in()};
    }
    if (st.linear() == PackedStage.Linear.GRAPH) { // the layer's own parameters and state, as floats both ways
      long floats = st.graph().params().length + (long) st.graph().state().length;
      return new long[] {0, floats, 0, 4 * floats, 4 * floats, 0, 0, st.graph().layer(st.inShape()).macsPerExample()};
    }
    long weights = st.linear() == PackedStage.Linear.NONE ? 0 : (long) st.patch() * st.features();
    // a convolution applies each weight once per output position
    long macs = st.conv() == null ? weights : weights * st.conv().positions();
    int bases = st.abc() == null ? 1 : st.abc().weightBases();
    long binary = st.linear() == PackedStage.Linear.BINARY ? weights : st.linear() == PackedStage.Linear.ABC ? weights * bases : 0;
    long floats = st.linear() == PackedStage.Linear.REAL ? weights : 0;
    for (PointwiseOp op : st.ops()) {
      floats += op.parameterCount();
    }
    if (st.abc() != null) {
      floats += st.abc().weightBases() + 2L * st.abc().activationBases();
    }
    long thresholds = st.folded() ? st.features() : 0;
    // packed: weight rows padded to whole words, a 4-byte threshold and a 1-byte direction per neuron
    long packedBytes = (st.binaryWeights() == null ? 0 : 8L * st.binaryWeights().length) + 4 * floats + 5 * thresholds;
    // the training graph stores every weight as float32, and a folded stage's BN as 4 floats per neuron
    long float32Bytes = 4 * (weights + (st.folded() ? 4L * st.features() : 0)) + 4 * (floats - (st.linear() == PackedStage.Linear.REAL ? weights : 0));
    Representation input = m.stageInput(s);
    boolean integer = st.linear() == PackedStage.Linear.BINARY && PackedModel.integerDotValue(input, st.patch()) != null;
    long binaryMacs = integer && input == Representation.BITS ? macs : 0;
    long levelMacs = integer && input == Representation.LEVELS ? macs : 0;
    long floatMacs = integer ? 0 : macs;
    if (st.linear() == PackedStage.Linear.ABC) { // M × N binary products
      binaryMacs = macs * st.abc().weightBases() * st.abc().activationBases();
      floatMacs = 0;
    }
    return new long[] {binary, floats, thresholds, packedBytes, float32Bytes, binaryMacs, levelMacs, floatMacs};
  }

  /** The printed table. */
  public static String describe(PackedModel m) {
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT, "packed model '%s': %d inputs (%s), %d classes, %d stages%n", m.name(), m.inputSize(),
        m.quantizedInput() ? "8-bit levels of [" + m.inputLow() + ", " + m.inputHigh() + "]" : "float", m.classes(),
        m.stages().size()));
    String head = "%-3s %-52s %-6s %12s %10s %8s %12s %12s %12s %12s %12s%n";
    sb.append(String.format(Locale.ROOT, head, "#", "stage", "input", "1-bit w", "float p", "thresh", "packed B",
        "float32 B", "1-bit MACs", "8x1 MACs", "float MACs"));
    for (int s = 0; s < m.stages().size(); s++) {
      PackedStage st = m.stages().get(s);
      long[] r = row(m, s);
      sb.append(String.format(Locale.ROOT, "%-3d %-52s %-6s %12d %10d %8d %12d %12d %12d %12d %12d%n", s, describe(st),
          m.stageInput(s).name().toLowerCase(Locale.ROOT), r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7]));
    }
    Totals t = totals(m);
    sb.append(String.format(Locale.ROOT, head, "", "total", "", t.binaryWeights(), t.floatParams(), t.thresholds(),
        t.packedBytes(), t.float32Bytes(), t.binaryMacs(), t.levelMacs(), t.floatMacs()));
    sb.append(String.format(Locale.ROOT, "memory: %s packed vs %s as float32 — %.1fx smaller%n", bytes(t.packedBytes()),
        bytes(t.float32Bytes()), t.compression()));
    return sb.toString();
  }

  private static String describe(PackedStage st) {
    String shapes = st.inShape() + "→" + st.outShape();
    String window = st.conv() == null ? "" : " conv " + st.conv().kernel() + "×" + st.conv().kernel() + "/" + st.conv().stride();
    String linear = switch (st.linear()) {
      case BINARY -> "binary" + window + " " + shapes;
      case REAL -> "float" + window + " " + shapes;
      case ABC -> "abc " + st.abc().weightBases() + "×" + st.abc().activationBases() + window + " " + shapes;
      case RESIDUAL -> "residual " + shapes + ": x + " + st.block().size() + " stage(s)";
      case NONE -> "pointwise " + shapes;
      case GRAPH -> "graph " + st.graph().layer(st.inShape()).describe();
    } + (st.pool() == null ? "" : " · pool " + st.pool().size());
    String tail = st.folded() ? " · threshold → bits" : (st.ops().length > 0 ? " · " + java.util.Arrays.toString(st.ops()) : "")
        + (st.signOut() ? " · sign → bits" : "");
    return linear + tail;
  }

  private static String bytes(long b) {
    return b >= 1 << 20 ? String.format(Locale.ROOT, "%.2f MiB", b / 1048576.0)
        : b >= 1 << 10 ? String.format(Locale.ROOT, "%.1f KiB", b / 1024.0) : b + " B";
  }

}
