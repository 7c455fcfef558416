package org.bnnspark.inference;

import java.util.Arrays;
import java.util.List;
import org.bnnspark.bits.BinaryGemm;
import org.bnnspark.bits.BitPacking;
import org.bnnspark.bits.LevelDots;
import org.bnnspark.bits.SignThresholds;
import org.bnnspark.inference.PackedModel.Representation;
import org.bnnspark.nn.AbcLayer;
import org.bnnspark.nn.Conv2d;
import org.bnnspark.nn.ConvGeometry;
import org.bnnspark.nn.Dense;
import org.bnnspark.nn.MaxPool2d;
import org.bnnspark.nn.NetworkSpec;
import org.bnnspark.nn.Residual;
import org.bnnspark.nn.Shape;

/**
 * Runs a {@link PackedModel} over batches of rows with reused buffers. Not thread-safe: one per
 * thread (the model itself is immutable and shared).
 *
 * <p>Per stage, the arithmetic follows the input representation (see {@link PackedStage}): packed
 * bits through {@link BinaryGemm} (fused with the thresholds for dense stages; a convolution first
 * gathers its windows with bit-im2col), 8-bit levels through exact integer sums that skip zero
 * levels, floats through the training graph's own im2col and product {@link Dense#product}.
 *
 * <p>Packed images are stored like flat rows: example r's {@code height·width·channels} bits are one
 * contiguous bit run of {@code words(size)} longs, pixel by pixel, channels innermost.
 */
public final class PackedScorer {
  private final PackedModel model;
  private final List<PackedStage> stages;
  private final BinaryGemm kernel = BinaryGemm.best();
  /** Per stage: transposed float weights ({@code patch × features}) for stages that run in float. */
  private final float[][] floatWeightsT;
  private final LevelDots levelKernel = LevelDots.best();
  /** Per stage: the positive-weight mask transposed to {@code in × out} bytes, and the weights' column sums, for level inputs. */
  private final byte[][] levelMasksT;
  private final int[][] levelColumnSums;
  /** Per folded stage: its thresholds in the packing kernel's form. */
  private final SignThresholds[] thresholds;
  /**
   * Per padded binary convolution on bits: {@code Σ w} over the padding taps of each output position
   * and filter ({@code positions × features}). Bit-im2col fills padding taps with −1 (bit 0), which
   * adds {@code −Σ w} over them to the XNOR count; the training graph's zero padding adds nothing.
   */
  private final int[][] paddingCorrection;
  /** Per ABC-Net convolution with padding: the correction of each weight base. */
  private final int[][][] abcCorrection;

  /** How a stage runs: fixed by its product and its input representation, so decided once. */
  private enum Path {
    /** Binary weights on packed bits: XNOR-popcount (after bit-im2col for a convolution). */
    XNOR,
    /** Binary dense weights on 8-bit input levels: exact integer sums. */
    LEVELS,
    /**
     * XNOR-Net's activation scale: the stage packs the signs of its real input, runs XNOR-popcount
     * on them, and scales each window's dots by K = mean |input| over the window.
     */
    XNOR_SCALED,
    /** Everything else: the training graph's float arithmetic. */
    FLOAT
  }

  private final Path[] paths;
  /** Per residual stage: the scorer of its block, and the block's output. */
  private final PackedScorer[] blockScorers;
  private float[][] blockOut;

  private int capacity;
  /** Per stage: packed output (and, when it pools its bits, the packed output before pooling). */
  private long[][] bitsOut;
  private long[][] bitsBeforePool;
  /** Per stage: float output, and the product before pooling. */
  private float[][] floatsOut;
  private float[][] floatsBeforePool;
  /** Per bit-im2col stage: its window rows (an ABC-Net stage: per activation base, the base's plane and windows). */
  private long[][] windowBits;
  private long[][][] abcPlanes;
  private long[][][] abcWindows;
  private float[] abcProducts = new float[0];
  private float[] windowFloats = new float[0];
  private int[] levels = new int[0];
  private int[] dots = new int[0];
  private int[] pooledDots = new int[0];
  private float[] unpacked = new float[0];
  private long[] rowBits = new long[0];
  private int[] scratch = new int[0];
  /** Per activation-scaled stage: its input's sign bits; and K per window. */
  private long[][] inputSigns;
  private float[] windowScales = new float[0];

  PackedScorer(PackedModel model) {
    this.model = model;
    this.stages = model.stages();
    int count = stages.size();
    floatWeightsT = new float[count][];
    levelMasksT = new byte[count][];
    levelColumnSums = new int[count][];
    thresholds = new SignThresholds[count];
    paddingCorrection = new int[count][];
    abcCorrection = new int[count][][];
    paths = new Path[count];
    blockScorers = new PackedScorer[count];
    for (int s = 0; s < count; s++) {
      PackedStage st = stages.get(s);
      if (st.linear() == PackedStage.Linear.RESIDUAL) {
        blockScorers[s] = new PackedScorer(PackedModel.block(st));
      }
      paths[s] = path(st, model.stageInput(s));
      if (st.folded()) {
        thresholds[s] = new SignThresholds(st.threshold(), st.flip());
      }
      if (paths[s] == Path.LEVELS) {
        prepareLevelWeights(s, st);
      } else if ((paths[s] == Path.XNOR || paths[s] == Path.XNOR_SCALED) && st.conv() != null && st.conv().padding() > 0) {
        paddingCorrection[s] = paddingCorrection(st, 0);
      } else if (st.linear() == PackedStage.Linear.ABC) {
        if (st.conv() != null && st.conv().padding() > 0) {
          abcCorrection[s] = new int[st.abc().weightBases()][];
          for (int m = 0; m < st.abc().weightBases(); m++) {
            abcCorrection[s][m] = paddingCorrection(st, m * st.features() * BitPacking.words(st.patch()));
          }
        }
      } else if (paths[s] == Path.FLOAT && (st.linear() == PackedStage.Linear.REAL || st.linear() == PackedStage.Linear.BINARY)) {
        float[] w = st.linear() == PackedStage.Linear.REAL ? st.realWeights() : unpackRows(st.binaryWeights(), st.features(), st.patch());
        floatWeightsT[s] = new float[w.length];
        Dense.transpose(w, 0, st.features(), st.patch(), floatWeightsT[s]);
      }
    }
  }

  public PackedModel model() {
    return model;
  }

  private static Path path(PackedStage st, Representation input) {
    if (st.linear() == PackedStage.Linear.BINARY && PointwiseOp.activationScaled(st.ops())) {
      return Path.XNOR_SCALED;
    }
    if (st.linear() != PackedStage.Linear.BINARY || PackedModel.integerDotValue(input, st.conv() != null, st.patch()) == null) {
      return Path.FLOAT;
    }
    return input == Representation.BITS ? Path.XNOR : Path.LEVELS;
  }

  private void prepareLevelWeights(int s, PackedStage st) {
    int in = st.in();
    int out = st.features();
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

  /** The padding correction of the weight rows starting at word {@code weightsOff}. */
  private static int[] paddingCorrection(PackedStage st, int weightsOff) {
    ConvGeometry g = st.conv();
    int f = st.features();
    int c = g.input().channels();
    int words = BitPacking.words(g.patchSize());
    int[] correction = new int[g.positions() * f];
    for (int oy = 0, p = 0; oy < g.outHeight(); oy++) {
      for (int ox = 0; ox < g.outWidth(); ox++, p++) {
        for (int ky = 0, tap = 0; ky < g.kernel(); ky++) {
          for (int kx = 0; kx < g.kernel(); kx++, tap++) {
            if (g.inside(g.inputRow(oy, ky), g.inputColumn(ox, kx))) {
              continue;
            }
            for (int j = 0; j < f; j++) {
              for (int k = 0; k < c; k++) {
                correction[p * f + j] += BitPacking.bit(st.binaryWeights(), weightsOff + j * words, tap * c + k) ? 1 : -1;
              }
            }
          }
        }
      }
    }
    return correction;
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
    bitsBeforePool = new long[count][];
    floatsOut = new float[count][];
    floatsBeforePool = new float[count][];
    windowBits = new long[count][];
    inputSigns = new long[count][];
    blockOut = new float[count][];
    abcPlanes = new long[count][][];
    abcWindows = new long[count][][];
    int widest = model.inputSize();
    int windows = 0;
    for (int s = 0; s < count; s++) {
      PackedStage st = stages.get(s);
      int product = st.productShape().size();
      widest = Math.max(widest, Math.max(st.in(), product));
      if (st.signOut()) {
        bitsOut[s] = new long[n * BitPacking.words(st.out())];
        if (st.poolsOutput()) {
          bitsBeforePool[s] = new long[n * BitPacking.words(product)];
        }
      }
      floatsOut[s] = new float[n * st.out()];
      if (st.pool() != null) {
        floatsBeforePool[s] = new float[n * product];
      }
      if (st.linear() == PackedStage.Linear.RESIDUAL) {
        blockOut[s] = new float[n * st.out()];
      }
      if (st.linear() == PackedStage.Linear.ABC) {
        int planes = st.abc().activationBases();
        abcPlanes[s] = new long[planes][n * BitPacking.words(st.in())];
        abcWindows[s] = st.conv() == null ? abcPlanes[s] : new long[planes][n * st.conv().positions() * BitPacking.words(st.patch())];
      } else if (st.conv() != null) {
        int rows = n * st.conv().positions();
        if (paths[s] == Path.XNOR || paths[s] == Path.XNOR_SCALED) {
          windowBits[s] = new long[rows * BitPacking.words(st.patch())];
        }
        if (paths[s] != Path.XNOR) { // float windows: a float product, or the real windows K is taken over
          windows = Math.max(windows, rows * st.patch());
        }
        if (paths[s] == Path.XNOR_SCALED) {
          inputSigns[s] = new long[n * BitPacking.words(st.in())];
          windowScales = new float[Math.max(windowScales.length, rows)];
        }
      }
    }
    windowFloats = new float[windows];
    abcProducts = new float[n * widest];
    levels = new int[n * model.inputSize()];
    dots = new int[n * widest];
    pooledDots = new int[n * widest];
    unpacked = new float[n * widest];
    rowBits = new long[BitPacking.words(widest)];
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
      if (st.linear() == PackedStage.Linear.RESIDUAL) { // x + block(x), in floats
        float[] input = model.stageInput(s) == Representation.BITS ? unpack(bits, st.in(), n) : floats;
        blockScorers[s].logits(input, n, blockOut[s]);
        Residual.add(input, blockOut[s], floatsOut[s], n * st.out());
        floats = floatsOut[s];
        continue;
      }
      if (paths[s] == Path.XNOR_SCALED) {
        floats = activationScaledStage(s, st, model.stageInput(s) == Representation.BITS ? unpack(bits, st.in(), n) : floats, n);
        if (st.signOut()) {
          bits = bitsOut[s];
        }
        continue;
      }
      if (paths[s] == Path.FLOAT) {
        floats = floatStage(s, st, model.stageInput(s) == Representation.BITS ? unpack(bits, st.in(), n) : floats, n);
        if (st.signOut()) {
          bits = bitsOut[s];
        }
        continue;
      }
      if (paths[s] == Path.XNOR && st.folded() && st.conv() == null && st.pool() == null) {
        // dense bits → bits: the product fused with the thresholds
        int words = BitPacking.words(st.in());
        kernel.gemmThresholded(bits, 0, n, st.binaryWeights(), 0, st.features(), words, st.in(), thresholds[s], bitsOut[s], 0, scratch);
        bits = bitsOut[s];
        continue;
      }
      int[] d = paths[s] == Path.XNOR ? xnorDots(s, st, bits, n) : levelDots(s, n);
      int f = st.features();
      if (st.poolsProduct()) {
        poolDots(st.productShape(), st.pool(), d, pooledDots, n);
        d = pooledDots;
      }
      if (st.folded()) { // integer dots → bits, per position
        long[] out = st.poolsOutput() ? bitsBeforePool[s] : bitsOut[s];
        Shape shape = st.poolsOutput() ? st.productShape() : st.outShape();
        int positions = shape.positions();
        long rowWords = BitPacking.words(shape.size());
        for (int r = 0; r < n * positions; r++) {
          thresholds[s].pack(d, r * f, rowBits, 0);
          BitPacking.copyBits(rowBits, 0, out, (r / positions) * rowWords * 64 + (long) (r % positions) * f, f);
        }
        bits = finishBits(s, st, n);
        continue;
      }
      float scale = paths[s] == Path.LEVELS ? 1f / NetworkSpec.INPUT_LEVELS : 1f;
      Shape shape = st.poolsProduct() ? st.outShape() : st.productShape();
      float[] y = st.poolsOutput() ? floatsBeforePool[s] : floatsOut[s];
      for (int i = 0, size = shape.size(), end = n * size; i < end; i++) {
        y[i] = PointwiseOp.applyAllAt(st.ops(), i % size, f, d[i] * scale, 1f);
      }
      floats = finishFloats(s, st, y, n);
      if (st.signOut()) {
        bits = bitsOut[s];
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

  /** The training graph's arithmetic: (im2col and) float product, pooling, operations, sign. */
  private float[] floatStage(int s, PackedStage st, float[] input, int n) {
    int f = st.features();
    float[] pre = st.pool() != null ? floatsBeforePool[s] : floatsOut[s];
    if (st.linear() == PackedStage.Linear.NONE) {
      System.arraycopy(input, 0, pre, 0, n * st.in());
    } else if (st.linear() == PackedStage.Linear.ABC) {
      abcProduct(s, st, input, n, pre);
    } else if (st.conv() != null) {
      ConvGeometry g = st.conv();
      g.im2col(input, n, windowFloats);
      Dense.product(windowFloats, n * g.positions(), g.patchSize(), floatWeightsT[s], f, pre);
    } else {
      Dense.product(input, n, st.in(), floatWeightsT[s], f, pre);
    }
    float[] y = pre;
    if (st.poolsProduct()) {
      MaxPool2d.pool(st.productShape(), st.outShape(), st.pool().size(), st.pool().stride(), pre, floatsOut[s], null, n);
      y = floatsOut[s];
    }
    Shape shape = st.poolsProduct() ? st.outShape() : st.productShape();
    for (int i = 0, size = shape.size(), end = n * size; i < end; i++) {
      y[i] = PointwiseOp.applyAllAt(st.ops(), i % size, f, y[i], 1f);
    }
    return finishFloats(s, st, y, n);
  }

  /** XNOR-Net's activation-scaled binary layer: XNOR-popcount over the input's signs, times K per window. */
  private float[] activationScaledStage(int s, PackedStage st, float[] input, int n) {
    BitPacking.packRows(input, 0, n, st.in(), inputSigns[s], 0);
    int[] d = xnorDots(s, st, inputSigns[s], n);
    ConvGeometry g = st.conv();
    g.im2col(input, n, windowFloats);
    for (int r = 0, rows = n * g.positions(); r < rows; r++) {
      windowScales[r] = Conv2d.windowScale(windowFloats, r * g.patchSize(), g.patchSize());
    }
    int f = st.features();
    float[] y = st.pool() != null ? floatsBeforePool[s] : floatsOut[s];
    for (int i = 0, size = st.productShape().size(), end = n * size; i < end; i++) {
      y[i] = PointwiseOp.applyAllAt(st.ops(), i % size, f, d[i], windowScales[i / f]);
    }
    return finishFloats(s, st, y, n);
  }

  /** After the operations: the sign (then pooling its bits) or pooling the floats. */
  private float[] finishFloats(int s, PackedStage st, float[] y, int n) {
    if (st.signOut()) {
      Shape shape = st.poolsOutput() ? st.productShape() : st.outShape();
      BitPacking.packRows(y, 0, n, shape.size(), st.poolsOutput() ? bitsBeforePool[s] : bitsOut[s], 0);
      finishBits(s, st, n);
      return y;
    }
    if (st.poolsOutput()) {
      MaxPool2d.pool(st.productShape(), st.outShape(), st.pool().size(), st.pool().stride(), y, floatsOut[s], null, n);
      return floatsOut[s];
    }
    return y;
  }

  /** Pools a stage's output bits when it pools after its sign (an OR over each window); returns the stage's bits. */
  private long[] finishBits(int s, PackedStage st, int n) {
    if (!st.poolsOutput()) {
      return bitsOut[s];
    }
    Shape in = st.productShape();
    Shape out = st.outShape();
    PackedStage.Pool pool = st.pool();
    int c = out.channels();
    long inWords = BitPacking.words(in.size());
    long outWords = BitPacking.words(out.size());
    long[] src = bitsBeforePool[s];
    long[] dst = bitsOut[s];
    Arrays.fill(dst, 0, (int) (n * outWords), 0L);
    for (int r = 0; r < n; r++) {
      for (int oy = 0, p = 0; oy < out.height(); oy++) {
        for (int ox = 0; ox < out.width(); ox++, p++) {
          long to = r * outWords * 64 + (long) p * c;
          for (int py = 0; py < pool.size(); py++) {
            for (int px = 0; px < pool.size(); px++) {
              int pixel = (oy * pool.stride() + py) * in.width() + ox * pool.stride() + px;
              BitPacking.orBits(src, r * inWords * 64 + (long) pixel * c, dst, to, c);
            }
          }
        }
      }
    }
    return dst;
  }

  /** XNOR-popcount dots of a binary stage on bits ({@code n·positions × features}), padding-corrected for a convolution. */
  private int[] xnorDots(int s, PackedStage st, long[] bits, int n) {
    int f = st.features();
    if (st.conv() == null) {
      kernel.gemm(bits, 0, n, st.binaryWeights(), 0, f, BitPacking.words(st.in()), st.in(), dots, 0, f);
      return dots;
    }
    ConvGeometry g = st.conv();
    int words = BitPacking.words(g.patchSize());
    int rows = n * g.positions();
    if (g.positions() == 1 && g.patchSize() == st.in()) { // one window, the whole row (a dense layer as a convolution)
      kernel.gemm(bits, 0, n, st.binaryWeights(), 0, f, words, st.in(), dots, 0, f);
      return dots;
    }
    bitIm2col(g, bits, n, windowBits[s]);
    kernel.gemm(windowBits[s], 0, rows, st.binaryWeights(), 0, f, words, g.patchSize(), dots, 0, f);
    int[] correction = paddingCorrection[s];
    if (correction != null) {
      for (int r = 0, perImage = correction.length; r < n; r++) {
        for (int i = 0, off = r * perImage; i < perImage; i++) {
          dots[off + i] += correction[i];
        }
      }
    }
    return dots;
  }

  /**
   * The packed counterpart of {@link ConvGeometry#im2col}: window row {@code r·positions + p} holds
   * the window's pixels' channel bits in the same order; padding taps are bit 0 (−1), which the
   * padding correction removes again.
   */
  static void bitIm2col(ConvGeometry g, long[] bits, int n, long[] cols) {
    Shape in = g.input();
    int c = in.channels();
    long inWords = BitPacking.words(in.size());
    int words = BitPacking.words(g.patchSize());
    Arrays.fill(cols, 0, n * g.positions() * words, 0L);
    for (int r = 0, row = 0; r < n; r++) {
      long image = r * inWords * 64;
      for (int oy = 0; oy < g.outHeight(); oy++) {
        for (int ox = 0; ox < g.outWidth(); ox++, row++) {
          long dst = (long) row * words * 64;
          for (int ky = 0; ky < g.kernel(); ky++) {
            int iy = g.inputRow(oy, ky);
            for (int kx = 0; kx < g.kernel(); kx++, dst += c) {
              int ix = g.inputColumn(ox, kx);
              if (g.inside(iy, ix)) {
                BitPacking.copyBits(bits, image + (long) (iy * in.width() + ix) * c, cols, dst, c);
              }
            }
          }
        }
      }
    }
  }

  /**
   * ABC-Net: the input's activation bases as bit planes ({@code r + v_n ≥ 0.5}), each through
   * bit-im2col for a convolution, then every (weight base, activation base) product by XNOR-popcount
   * (padding-corrected), combined as the training graph does: {@code y += α_m β_n · z}, m outer, n
   * inner, through {@link AbcLayer#accumulate}.
   */
  private void abcProduct(int s, PackedStage st, float[] input, int n, float[] y) {
    PackedStage.Abc abc = st.abc();
    int f = st.features();
    int patch = st.patch();
    int words = BitPacking.words(patch);
    int rows = n * st.productShape().positions();
    int inWords = BitPacking.words(st.in());
    for (int k = 0; k < abc.activationBases(); k++) {
      long[] plane = abcPlanes[s][k];
      Arrays.fill(plane, 0, n * inWords, 0L);
      float shift = abc.shifts()[k];
      for (int r = 0; r < n; r++) {
        for (int i = 0; i < st.in(); i++) {
          if (AbcLayer.activationBit(input[r * st.in() + i], shift)) {
            plane[r * inWords + (i >>> 6)] |= 1L << (i & 63);
          }
        }
      }
      if (st.conv() != null) {
        bitIm2col(st.conv(), plane, n, abcWindows[s][k]);
      }
    }
    Arrays.fill(y, 0, rows * f, 0f);
    for (int m = 0; m < abc.weightBases(); m++) {
      for (int k = 0; k < abc.activationBases(); k++) {
        kernel.gemm(abcWindows[s][k], 0, rows, st.binaryWeights(), m * f * words, f, words, patch, dots, 0, f);
        int[] correction = abcCorrection[s] == null ? null : abcCorrection[s][m];
        for (int i = 0, end = rows * f; i < end; i++) {
          abcProducts[i] = correction == null ? dots[i] : dots[i] + correction[i % correction.length];
        }
        AbcLayer.accumulate(y, abc.alphas()[m] * abc.betas()[k], abcProducts, rows * f);
      }
    }
  }

  /** Max pooling of integer dots laid out as {@code n} images of shape {@code in}. */
  private static void poolDots(Shape in, PackedStage.Pool pool, int[] d, int[] out, int n) {
    int c = in.channels();
    int oh = (in.height() - pool.size()) / pool.stride() + 1;
    int ow = (in.width() - pool.size()) / pool.stride() + 1;
    int o = 0;
    for (int r = 0; r < n; r++) {
      int image = r * in.size();
      for (int oy = 0; oy < oh; oy++) {
        for (int ox = 0; ox < ow; ox++, o += c) {
          Arrays.fill(out, o, o + c, Integer.MIN_VALUE);
          for (int py = 0; py < pool.size(); py++) {
            for (int px = 0; px < pool.size(); px++) {
              int tap = image + ((oy * pool.stride() + py) * in.width() + ox * pool.stride() + px) * c;
              for (int k = 0; k < c; k++) {
                out[o + k] = Math.max(out[o + k], d[tap + k]);
              }
            }
          }
        }
      }
    }
  }

  private float[] unpack(long[] bits, int count, int n) {
    int words = BitPacking.words(count);
    for (int r = 0; r < n; r++) {
      unpackInto(bits, r * words, count, unpacked, r * count);
    }
    return unpacked;
  }

  private static void unpackInto(long[] bits, int off, int count, float[] dst, int dOff) {
    for (int i = 0; i < count; i++) {
      dst[dOff + i] = BitPacking.bit(bits, off, i) ? 1f : -1f;
    }
  }

  /**
   * {@code dots = Σ_i (2q_i − 255)·w_ij = 2·(2P_j − T) − 255·Σ_i w_ij}, with the positive sums
   * {@code P_j} and level total {@code T} from the {@link LevelDots} kernel (which skips zero levels)
   * and the weights' column sums precomputed.
   */
  private int[] levelDots(int s, int n) {
    PackedStage st = stages.get(s);
    int in = st.in();
    int out = st.features();
    byte[] mask = levelMasksT[s];
    int[] sums = levelColumnSums[s];
    for (int r = 0; r < n; r++) {
      int base = r * out;
      int total = levelKernel.positiveSums(levels, r * in, in, mask, out, dots, base);
      for (int j = 0; j < out; j++) {
        dots[base + j] = 2 * (2 * dots[base + j] - total) - (NetworkSpec.INPUT_LEVELS - 1) * sums[j];
      }
    }
    return dots;
  }
}
