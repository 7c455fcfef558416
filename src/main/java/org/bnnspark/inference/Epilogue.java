package org.bnnspark.inference;

import java.util.Arrays;
import org.bnnspark.bits.BitPacking;
import org.bnnspark.bits.FloatOrder;
import org.bnnspark.bits.WindowMax;
import org.bnnspark.bits.SignThresholds;
import org.bnnspark.nn.MaxPool2d;
import org.bnnspark.nn.Shape;

/**
 * What a stage does after its product, shared by every operation: optional max pooling of the
 * product, the per-feature operations (or, folded, the integer thresholds), optional pooling of the
 * output — an OR over bits after a sign — and the sign. The product arrives for a run of examples
 * (from one image to a batch) starting at offset 0 of the caller's array, as integer dots or floats;
 * the result lands at example {@code first} of the stage's output.
 *
 * <p>Why the orders are exact: a maximum commutes with every non-decreasing operation even in
 * floating point (rounding is monotone), so pooling integer dots before a scale α ≥ 0, a bias or a
 * BatchNorm with γ ≥ 0 gives the graph's value; and {@code sign(max v) = max sign(v)}, so pooling
 * after the sign is an OR of the bits (see {@link PackedStage.Pool}).
 */
final class Epilogue {
  private static final WindowMax MAX = WindowMax.best();
  private final PackedStage st;
  private final int f;
  private final Shape product;
  private final Shape shape; // what the operations see: the pooled product when pooling comes first
  private final SignThresholds thresholds;
  /**
   * A float product's operations and sign folded into thresholds on the floats' ordered keys
   * ({@link Thresholds#foldFloats}), when the stage ends in a sign after monotone operations; else null.
   */
  private final SignThresholds floatThresholds;
  private int[] keys = new int[0];
  /** A product pooling window's taps, as offsets from its first value (channels-last). */
  private final int[] windowTaps;
  private int capacity;
  private int[] pooledDots = new int[0];
  private float[] values = new float[0];
  private float[] pooledValues = new float[0];
  private long[] bitsBeforePool = new long[0];

  Epilogue(PackedStage st) {
    this(st, Float.POSITIVE_INFINITY);
  }

  /**
   * {@code bound}: how large in magnitude the product's values can be (+∞ when the input is not
   * bounded): a float product's operations and sign fold into thresholds over that range.
   */
  Epilogue(PackedStage st, float bound) {
    this.st = st;
    this.windowTaps = st.poolsProduct() ? windowTaps(st.productShape(), st.pool()) : null;
    this.f = st.features();
    this.product = st.productShape();
    this.shape = st.poolsProduct() ? st.outShape() : product;
    this.thresholds = st.folded() ? new SignThresholds(st.threshold(), st.flip()) : null;
    this.floatThresholds = !st.folded() && st.signOut() && st.ops().length > 0
        && java.util.Arrays.stream(st.ops()).allMatch(PointwiseOp::monotone) ? floatThresholds(st.ops(), f, bound) : null;
  }

  /** Whether a float product's operations and sign run as thresholds on its values' keys. */
  boolean foldsFloats() {
    return floatThresholds != null;
  }

  private static SignThresholds floatThresholds(PointwiseOp[] ops, int f, float bound) {
    int[] threshold = new int[f];
    boolean[] flip = new boolean[f];
    return Thresholds.foldFloats(ops, f, bound, threshold, flip) ? new SignThresholds(threshold, flip) : null;
  }

  /** Buffers of the stage's output for {@code n} examples, in {@code out}. */
  void allocateOutput(Activations out, int n) {
    if (st.signOut()) {
      out.bits = new long[n * BitPacking.words(st.out())];
    } else {
      out.floats = new float[n * st.out()];
    }
  }

  private void ensure(int rows) {
    if (rows <= capacity) {
      return;
    }
    pooledDots = st.poolsProduct() ? new int[rows * shape.size()] : pooledDots;
    values = thresholds == null ? new float[rows * Math.max(product.size(), shape.size())] : values; // folded: no floats
    pooledValues = st.pool() != null ? new float[rows * st.outShape().size()] : pooledValues;
    bitsBeforePool = st.poolsOutput() ? new long[rows * BitPacking.words(product.size())] : bitsBeforePool;
    keys = floatThresholds != null ? new int[rows * shape.size()] : keys;
    capacity = rows;
  }

  /**
   * Integer dots of {@code rows} examples ({@code rows × product}); their float value is
   * {@code dot · scale} (exact: 1 on bits, 2⁻⁸ on input levels), times {@code k[window]} when the
   * stage scales by activations (else {@code k} is null).
   */
  void dots(int[] d, int rows, float scale, float[] k, Activations out, int first) {
    ensure(rows);
    if (st.poolsProduct()) {
      poolInts(product, st.pool(), d, pooledDots, rows);
      d = pooledDots;
    }
    if (thresholds != null) {
      packThresholded(thresholds, d, rows, out, first);
      return;
    }
    for (int i = 0, end = rows * shape.size(); i < end; i++) {
      values[i] = d[i] * scale;
    }
    if (floatThresholds != null) { // e.g. a first convolution on levels in a file written before levels folded
      packFloatThresholded(values, rows, out, first);
      return;
    }
    PointwiseOp.applyAllRuns(st.ops(), values, rows * shape.positions(), shape.positions(), f, k);
    finish(values, rows, out, first);
  }

  /** Signs by thresholds of {@code rows} examples' values {@code d} (dots, or floats' keys), then pooling the bits where the stage does. */
  private void packThresholded(SignThresholds t, int[] d, int rows, Activations out, int first) {
    long[] target = st.poolsOutput() ? bitsBeforePool : out.bits;
    int firstRow = st.poolsOutput() ? 0 : first;
    int positions = shape.positions();
    int rowWords = BitPacking.words(shape.size());
    for (int r = 0; r < rows; r++) {
      t.packPositions(d, r * positions * f, positions, target, (firstRow + r) * rowWords);
    }
    if (st.poolsOutput()) {
      orPool(product, st.outShape(), st.pool(), bitsBeforePool, rows, out.bits, first);
    }
  }

  /** {@link #packThresholded} of float values, through their ordered keys. */
  private void packFloatThresholded(float[] v, int rows, Activations out, int first) {
    FloatOrder.keys(v, rows * shape.size(), keys);
    packThresholded(floatThresholds, keys, rows, out, first);
  }

  /** The float product of {@code rows} examples ({@code rows × product}, overwritten). */
  void floats(float[] y, int rows, Activations out, int first) {
    ensure(rows);
    if (st.poolsProduct()) {
      MaxPool2d.pool(product, shape, st.pool().size(), st.pool().stride(), y, pooledValues, null, rows);
      y = pooledValues;
    }
    if (floatThresholds != null) {
      packFloatThresholded(y, rows, out, first);
      return;
    }
    PointwiseOp.applyAllRuns(st.ops(), y, rows * shape.positions(), shape.positions(), f, null);
    finish(y, rows, out, first);
  }

  /** After the operations: the sign (then pooling its bits), or pooling the floats. */
  private void finish(float[] y, int rows, Activations out, int first) {
    if (st.signOut()) {
      int size = st.poolsOutput() ? product.size() : st.out();
      if (st.poolsOutput()) {
        BitPacking.packRows(y, 0, rows, size, bitsBeforePool, 0);
        orPool(product, st.outShape(), st.pool(), bitsBeforePool, rows, out.bits, first);
      } else {
        BitPacking.packRows(y, 0, rows, size, out.bits, first * BitPacking.words(size));
      }
      return;
    }
    if (st.poolsOutput()) {
      MaxPool2d.pool(product, st.outShape(), st.pool().size(), st.pool().stride(), y, pooledValues, null, rows);
      y = pooledValues;
    }
    System.arraycopy(y, 0, out.floats, first * st.out(), rows * st.out());
  }

  /** Max pooling of integer dots laid out as {@code n} images of shape {@code in}: one window at a time, in registers. */
  void poolInts(Shape in, PackedStage.Pool pool, int[] d, int[] out, int n) {
    int c = in.channels();
    int oh = (in.height() - pool.size()) / pool.stride() + 1;
    int ow = (in.width() - pool.size()) / pool.stride() + 1;
    int o = 0;
    for (int r = 0; r < n; r++) {
      int image = r * in.size();
      for (int oy = 0; oy < oh; oy++) {
        for (int ox = 0; ox < ow; ox++, o += c) {
          MAX.maxOfWindow(d, image + (oy * pool.stride() * in.width() + ox * pool.stride()) * c, windowTaps, out, o, c);
        }
      }
    }
  }

  private static int[] windowTaps(Shape in, PackedStage.Pool pool) {
    int[] taps = new int[pool.size() * pool.size()];
    for (int py = 0, t = 0; py < pool.size(); py++) {
      for (int px = 0; px < pool.size(); px++, t++) {
        taps[t] = (py * in.width() + px) * in.channels();
      }
    }
    return taps;
  }

  /** Max pooling of ±1 bits (an OR over each window) of {@code n} images from 0 of {@code src} into example {@code first} of {@code dst}. */
  static void orPool(Shape in, Shape out, PackedStage.Pool pool, long[] src, int n, long[] dst, int first) {
    int c = out.channels();
    long inWords = BitPacking.words(in.size());
    long outWords = BitPacking.words(out.size());
    Arrays.fill(dst, (int) (first * outWords), (int) ((first + n) * outWords), 0L);
    for (int r = 0; r < n; r++) {
      for (int oy = 0, p = 0; oy < out.height(); oy++) {
        for (int ox = 0; ox < out.width(); ox++, p++) {
          long to = (first + r) * outWords * 64 + (long) p * c;
          for (int py = 0; py < pool.size(); py++) {
            for (int px = 0; px < pool.size(); px++) {
              int pixel = (oy * pool.stride() + py) * in.width() + ox * pool.stride() + px;
              BitPacking.orBits(src, r * inWords * 64 + (long) pixel * c, dst, to, c);
            }
          }
        }
      }
    }
  }
}
