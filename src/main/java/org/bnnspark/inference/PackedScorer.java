package org.bnnspark.inference;

import java.util.List;
import org.bnnspark.bits.BinaryGemm;
import org.bnnspark.bits.BitPacking;
import org.bnnspark.bits.LevelDots;
import org.bnnspark.bits.SignThresholds;
import org.bnnspark.inference.PackedModel.Representation;
import org.bnnspark.nn.Dense;
import org.bnnspark.nn.NetworkSpec;

/**
 * Runs a {@link PackedModel} over batches of rows with reused buffers. Not thread-safe: one per
 * thread (the model itself is immutable and shared).
 *
 * <p>Per stage, the arithmetic follows the input representation (see {@link PackedStage}): packed
 * bits through {@link BinaryGemm} (fused with the thresholds), 8-bit levels through exact integer
 * sums that skip zero levels, floats through the training graph's own product {@link
 * Dense#product}.
 */
public final class PackedScorer {
  private final PackedModel model;
  private final List<PackedStage> stages;
  private final BinaryGemm kernel = BinaryGemm.best();
  /** Per stage: transposed float weights ({@code in × out}) for stages that run in float. */
  private final float[][] floatWeightsT;
  private final LevelDots levelKernel = LevelDots.best();
  /** Per stage: the positive-weight mask transposed to {@code in × out} bytes, and the weights' column sums, for level inputs. */
  private final byte[][] levelMasksT;
  private final int[][] levelColumnSums;
  /** Per folded stage: its thresholds in the packing kernel's form. */
  private final SignThresholds[] thresholds;

  /** How a stage runs: fixed by its product and its input representation, so decided once. */
  private enum Path {
    /** Binary weights on packed bits: XNOR-popcount. */
    XNOR,
    /** Binary weights on 8-bit input levels: exact integer sums. */
    LEVELS,
    /** Everything else: the training graph's float arithmetic. */
    FLOAT
  }

  private final Path[] paths;

  private int capacity;
  private long[][] bitsOut;
  private float[][] floatsOut;
  private int[] levels = new int[0];
  private int[] dots = new int[0];
  private float[] unpacked = new float[0];
  private int[] scratch = new int[0];

  PackedScorer(PackedModel model) {
    this.model = model;
    this.stages = model.stages();
    int count = stages.size();
    floatWeightsT = new float[count][];
    levelMasksT = new byte[count][];
    levelColumnSums = new int[count][];
    thresholds = new SignThresholds[count];
    paths = new Path[count];
    for (int s = 0; s < count; s++) {
      PackedStage st = stages.get(s);
      paths[s] = path(st, model.stageInput(s));
      if (st.folded()) {
        thresholds[s] = new SignThresholds(st.threshold(), st.flip());
      }
      if (paths[s] == Path.LEVELS) {
        prepareLevelWeights(s, st);
      } else if (paths[s] == Path.FLOAT && st.linear() != PackedStage.Linear.NONE) {
        float[] w = st.linear() == PackedStage.Linear.REAL ? st.realWeights() : unpackRows(st.binaryWeights(), st.out(), st.in());
        floatWeightsT[s] = new float[w.length];
        Dense.transpose(w, 0, st.out(), st.in(), floatWeightsT[s]);
      }
    }
  }

  public PackedModel model() {
    return model;
  }

  private static Path path(PackedStage st, Representation input) {
    if (st.linear() != PackedStage.Linear.BINARY || PackedModel.integerDotValue(input, st.in()) == null) {
      return Path.FLOAT;
    }
    return input == Representation.BITS ? Path.XNOR : Path.LEVELS;
  }

  private void prepareLevelWeights(int s, PackedStage st) {
    int in = st.in();
    int out = st.out();
    int words = BitPacking.words(in);
    byte[] mask = new byte[in * out];
    int[] sums = new int[out];
    for (int j = 0; j < out; j++) {
      for (int i = 0; i < in; i++) {
        boolean plus = BitPacking.bit(st.binaryWeights(), j * words, i);
        mask[i * out + j] = plus ? (byte) -1 : 0;
        sums[j] += plus ? 1 : -1;
      }
    }
    levelMasksT[s] = mask;
    levelColumnSums[s] = sums;
  }

  private static float[] unpackRows(long[] packed, int rows, int cols) {
    float[] w = new float[rows * cols];
    int words = BitPacking.words(cols);
    for (int r = 0; r < rows; r++) {
      System.arraycopy(BitPacking.unpack(packed, r * words, cols), 0, w, r * cols, cols);
    }
    return w;
  }

  private void ensureCapacity(int n) {
    if (n <= capacity) {
      return;
    }
    int count = stages.size();
    bitsOut = new long[count][];
    floatsOut = new float[count][];
    int widest = model.inputSize();
    for (int s = 0; s < count; s++) {
      PackedStage st = stages.get(s);
      widest = Math.max(widest, Math.max(st.in(), st.out()));
      if (st.signOut()) {
        bitsOut[s] = new long[n * BitPacking.words(st.out())];
      }
      if (!st.signOut() || paths[s] == Path.FLOAT) { // a float stage computes its values before any sign
        floatsOut[s] = new float[n * st.out()];
      }
    }
    levels = new int[n * model.inputSize()];
    dots = new int[n * widest];
    unpacked = new float[n * widest];
    scratch = new int[Math.max(4096, 8 * widest)];
    capacity = n;
  }

  /**
   * Logits for {@code n} rows of {@code x} (row-major, {@code inputSize} values per row, on the
   * network's input scale as {@link NetworkSpec#scaleInput} produces) into {@code logits}
   * ({@code n × classes}).
   */
  public void logits(float[] x, int n, float[] logits) {
    ensureCapacity(n);
    if (paths[0] == Path.LEVELS) {
      for (int i = 0, end = n * model.inputSize(); i < end; i++) {
        levels[i] = NetworkSpec.level(x[i]);
      }
    }
    float[] floats = x;
    long[] bits = null;
    for (int s = 0; s < stages.size(); s++) {
      PackedStage st = stages.get(s);
      int in = st.in();
      int out = st.out();
      if (paths[s] == Path.XNOR) {
        if (st.folded()) {
          kernel.gemmThresholded(bits, 0, n, st.binaryWeights(), 0, out, BitPacking.words(in), in, thresholds[s], bitsOut[s], 0,
              scratch);
          bits = bitsOut[s];
          continue;
        }
        kernel.gemm(bits, 0, n, st.binaryWeights(), 0, out, BitPacking.words(in), in, dots, 0, out);
        floats = dotsToFloats(st, n, 1f, floatsOut[s]);
        continue;
      }
      if (paths[s] == Path.LEVELS) {
        levelDots(s, n);
        if (st.folded()) {
          for (int r = 0; r < n; r++) {
            thresholds[s].pack(dots, r * out, bitsOut[s], r * BitPacking.words(out));
          }
          bits = bitsOut[s];
        } else {
          floats = dotsToFloats(st, n, 1f / NetworkSpec.INPUT_LEVELS, floatsOut[s]);
        }
        continue;
      }
      // float path: the training graph's own arithmetic
      float[] input = floats;
      if (model.stageInput(s) == Representation.BITS) {
        for (int r = 0; r < n; r++) {
          unpackInto(bits, r * BitPacking.words(in), in, unpacked, r * in);
        }
        input = unpacked;
      }
      float[] pre = floatsOut[s];
      if (st.linear() == PackedStage.Linear.NONE) {
        System.arraycopy(input, 0, pre, 0, n * in);
      } else {
        Dense.product(input, n, in, floatWeightsT[s], out, pre);
      }
      for (int r = 0; r < n; r++) {
        for (int j = 0; j < out; j++) {
          pre[r * out + j] = PointwiseOp.applyAll(st.ops(), j, pre[r * out + j]);
        }
      }
      if (st.signOut()) {
        BitPacking.packRows(pre, 0, n, out, bitsOut[s], 0);
        bits = bitsOut[s];
      } else {
        floats = pre;
      }
    }
    int k = model.classes();
    PackedStage last = stages.get(stages.size() - 1);
    if (last.signOut()) {
      for (int r = 0; r < n; r++) {
        unpackInto(bits, r * BitPacking.words(k), k, logits, r * k);
      }
    } else {
      System.arraycopy(floats, 0, logits, 0, n * k);
    }
  }

  private static void unpackInto(long[] bits, int off, int count, float[] dst, int dOff) {
    for (int i = 0; i < count; i++) {
      dst[dOff + i] = BitPacking.bit(bits, off, i) ? 1f : -1f;
    }
  }

  /** The float value of each integer dot ({@code dot · scale}, exact) through the stage's operations. */
  private float[] dotsToFloats(PackedStage st, int n, float scale, float[] y) {
    int out = st.out();
    for (int r = 0; r < n; r++) {
      for (int j = 0; j < out; j++) {
        y[r * out + j] = PointwiseOp.applyAll(st.ops(), j, dots[r * out + j] * scale);
      }
    }
    return y;
  }

  /**
   * {@code dots = Σ_i (2q_i − 255)·w_ij = 2·(2P_j − T) − 255·Σ_i w_ij}, with the positive sums
   * {@code P_j} and level total {@code T} from the {@link LevelDots} kernel (which skips zero levels)
   * and the weights' column sums precomputed.
   */
  private void levelDots(int s, int n) {
    PackedStage st = stages.get(s);
    int in = st.in();
    int out = st.out();
    byte[] mask = levelMasksT[s];
    int[] sums = levelColumnSums[s];
    for (int r = 0; r < n; r++) {
      int base = r * out;
      int total = levelKernel.positiveSums(levels, r * in, in, mask, out, dots, base);
      for (int j = 0; j < out; j++) {
        dots[base + j] = 2 * (2 * dots[base + j] - total) - (NetworkSpec.INPUT_LEVELS - 1) * sums[j];
      }
    }
  }
}
