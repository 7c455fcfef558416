package org.bnnspark.inference;

import java.util.List;
import org.bnnspark.bits.BinaryGemm;
import org.bnnspark.nn.NetworkSpec;

/**
 * Runs a {@link PackedModel} over batches of rows with reused buffers: a loop over its stages'
 * operations ({@link StageOp}), each chosen once from its stage and the representation its input
 * arrives in, each owning its prepared weights and buffers. Not thread-safe: one per thread (the
 * model itself is immutable and shared).
 *
 * <p>Packed images are stored like flat rows: example r's {@code height·width·channels} bits are one
 * contiguous bit run of {@code words(size)} longs, pixel by pixel, channels innermost.
 */
public final class PackedScorer {
  private final PackedModel model;
  private final StageOp[] ops;
  private final long[] nanos;

  PackedScorer(PackedModel model) {
    this(model, BinaryGemm.best());
  }

  /** A scorer on a given binary kernel (tests run the portable twin next to the one {@link BinaryGemm#best} picks). */
  PackedScorer(PackedModel model, BinaryGemm kernel) {
    this.model = model;
    List<PackedStage> stages = model.stages();
    ops = new StageOp[stages.size()];
    for (int s = 0; s < ops.length; s++) {
      ops[s] = StageOp.of(stages.get(s), model.stageInput(s), kernel);
    }
    nanos = new long[ops.length];
  }

  public PackedModel model() {
    return model;
  }

  /**
   * Logits for {@code n} rows of {@code x} (row-major, {@code inputSize} values per row, on the
   * network's input scale as {@link NetworkSpec#scaleInput} produces) into {@code logits}
   * ({@code n × classes}).
   */
  public void logits(float[] x, int n, float[] logits) {
    Activations a = Activations.ofFloats(x);
    for (StageOp op : ops) {
      a = op.run(a, n);
    }
    finish(a, n, logits);
  }

  /** {@link #logits}, adding each stage's time to {@link #stageNanos} (for profiles). */
  public void timedLogits(float[] x, int n, float[] logits) {
    Activations a = Activations.ofFloats(x);
    for (int s = 0; s < ops.length; s++) {
      long t0 = System.nanoTime();
      a = ops[s].run(a, n);
      nanos[s] += System.nanoTime() - t0;
    }
    finish(a, n, logits);
  }

  private void finish(Activations a, int n, float[] logits) {
    int k = model.classes();
    if (ops[ops.length - 1].st.signOut()) {
      Activations.unpack(a.bits, k, n, logits);
    } else {
      System.arraycopy(a.floats, 0, logits, 0, n * k);
    }
  }

  /** Per stage: the operation's name and the nanoseconds {@link #timedLogits} spent in it so far. */
  public String stageProfile() {
    StringBuilder sb = new StringBuilder();
    long total = java.util.Arrays.stream(nanos).sum();
    for (int s = 0; s < ops.length; s++) {
      sb.append(String.format(java.util.Locale.ROOT, "  stage %d %-18s %5.1f%%%n", s, ops[s].name(), 100.0 * nanos[s] / Math.max(1, total)));
    }
    return sb.toString();
  }
}
