package org.bnnspark.inference;

import java.util.Locale;

/**
 * A per-stage account of a packed model in the spirit of {@code larq.models.summary}: parameters
 * by precision, memory packed vs. the float32 model of the same architecture, multiply-accumulates
 * by precision, compression ratio.
 */
public final class ModelSummary {
  private ModelSummary() {}

  /** Totals over stages (or one stage's row). */
  public record Totals(long binaryWeights, long floatParams, long thresholds, long packedBytes, long float32Bytes,
      long binaryMacs, long levelMacs, long floatMacs) {
    static final Totals ZERO = new Totals(0, 0, 0, 0, 0, 0, 0, 0);

    public double compression() {
      return (double) float32Bytes / packedBytes;
    }

    Totals plus(Totals o) {
      return new Totals(binaryWeights + o.binaryWeights, floatParams + o.floatParams, thresholds + o.thresholds,
          packedBytes + o.packedBytes, float32Bytes + o.float32Bytes, binaryMacs + o.binaryMacs, levelMacs + o.levelMacs,
          floatMacs + o.floatMacs);
    }
  }

  public static Totals totals(PackedModel m) {
    Totals t = Totals.ZERO;
    for (int s = 0; s < m.stages().size(); s++) {
      t = t.plus(row(m, s));
    }
    return t;
  }

  /**
   * Stage {@code s}'s row: its product's account, plus its operations' parameters (float both ways)
   * and its thresholds (packed as a 4-byte threshold and a 1-byte direction per feature; in the
   * training graph, the BatchNorm they fold as 4 floats per feature).
   */
  private static Totals row(PackedModel m, int s) {
    PackedStage st = m.stages().get(s);
    long opParams = 0;
    for (PointwiseOp op : st.ops()) {
      opParams += op.parameterCount();
    }
    long thresholds = st.folded() ? st.features() : 0;
    return st.product().account(st, m.stageInput(s))
        .plus(new Totals(0, opParams, thresholds, 4 * opParams + 5 * thresholds, 4 * opParams + 16 * thresholds, 0, 0, 0));
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
      Totals r = row(m, s);
      sb.append(String.format(Locale.ROOT, "%-3d %-52s %-6s %12d %10d %8d %12d %12d %12d %12d %12d%n", s, m.stages().get(s).describe(),
          m.stageInput(s).name().toLowerCase(Locale.ROOT), r.binaryWeights(), r.floatParams(), r.thresholds(), r.packedBytes(),
          r.float32Bytes(), r.binaryMacs(), r.levelMacs(), r.floatMacs()));
    }
    Totals t = totals(m);
    sb.append(String.format(Locale.ROOT, head, "", "total", "", t.binaryWeights(), t.floatParams(), t.thresholds(),
        t.packedBytes(), t.float32Bytes(), t.binaryMacs(), t.levelMacs(), t.floatMacs()));
    sb.append(String.format(Locale.ROOT, "memory: %s packed vs %s as float32 — %.1fx smaller%n", bytes(t.packedBytes()),
        bytes(t.float32Bytes()), t.compression()));
    return sb.toString();
  }

  private static String bytes(long b) {
    return b >= 1 << 20 ? String.format(Locale.ROOT, "%.2f MiB", b / 1048576.0)
        : b >= 1 << 10 ? String.format(Locale.ROOT, "%.1f KiB", b / 1024.0) : b + " B";
  }

}
