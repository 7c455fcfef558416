package org.bnnspark.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.bnnspark.bits.FloatOrder;
import org.bnnspark.bits.SignThresholds;
import org.bnnspark.nn.Lowering.OpKind;
import org.junit.jupiter.api.Test;

/** Float values' operations and sign folded into thresholds on ordered keys, against the operations themselves. */
class ThresholdsTest {

  @Test
  void floatKeysKeepTheOrderAndInvertExactly() {
    SplittableRandom rng = new SplittableRandom(5);
    List<Float> values = new ArrayList<>(List.of(Float.NEGATIVE_INFINITY, -Float.MAX_VALUE, -1f, -Float.MIN_NORMAL, -Float.MIN_VALUE,
        -0f, 0f, Float.MIN_VALUE, Float.MIN_NORMAL, 1f, Float.MAX_VALUE, Float.POSITIVE_INFINITY));
    for (int i = 0; i < 2000; i++) {
      float v = Float.intBitsToFloat(rng.nextInt());
      if (!Float.isNaN(v)) {
        values.add(v);
      }
    }
    values.sort(Float::compare); // total order: −0 before +0
    for (int i = 0; i < values.size(); i++) {
      float v = values.get(i);
      assertEquals(Float.floatToRawIntBits(v), Float.floatToRawIntBits(FloatOrder.value(FloatOrder.key(v))), "round trip of " + v);
      if (i > 0 && Float.compare(values.get(i - 1), v) < 0) {
        assertTrue(FloatOrder.key(values.get(i - 1)) < FloatOrder.key(v), values.get(i - 1) + " < " + v);
      }
    }
    // the array form (by vector where the JVM has it) against the scalar map, lengths across lane boundaries
    float[] all = new float[values.size() + 3];
    for (int i = 0; i < values.size(); i++) {
      all[i] = values.get(rng.nextInt(values.size()));
    }
    all[values.size()] = Float.NaN;
    all[values.size() + 1] = Float.intBitsToFloat(0xff800001); // a negative NaN
    all[values.size() + 2] = Float.intBitsToFloat(0x7fffffff);
    for (int i = 0; i < 300; i += 1 + i / 10) { // spread the NaNs to every lane position
      int at = rng.nextInt(all.length);
      float t = all[at];
      all[at] = all[all.length - 1 - i % 3];
      all[all.length - 1 - i % 3] = t;
    }
    for (int n : new int[] {0, 1, 7, 8, 9, 15, 16, 17, 31, 33, all.length}) {
      int[] keys = new int[n];
      FloatOrder.keys(all, n, keys);
      for (int i = 0; i < n; i++) {
        assertEquals(FloatOrder.key(all[i]), keys[i], "key of " + all[i] + " at " + i + " of " + n);
      }
    }
    assertEquals(FloatOrder.key(Float.NEGATIVE_INFINITY), FloatOrder.LOWEST);
    assertEquals(Integer.MIN_VALUE, FloatOrder.key(Float.NaN));
    assertEquals(Integer.MIN_VALUE, FloatOrder.key(Float.intBitsToFloat(0xffc00001)));
  }

  /** Random monotone chains (BatchNorm scales of both signs and zero, biases, clips) over a bounded and the unbounded range. */
  @Test
  void foldedFloatSignsEqualTheOperationsSign() {
    SplittableRandom rng = new SplittableRandom(9);
    int folded = 0;
    for (int trial = 0; trial < 300; trial++) {
      int f = 1 + rng.nextInt(20);
      float bound = trial % 2 == 0 ? Float.POSITIVE_INFINITY : (float) (1 + rng.nextDouble() * 50);
      PointwiseOp[] ops = chain(rng, f);
      int[] threshold = new int[f];
      boolean[] flip = new boolean[f];
      if (!Thresholds.foldFloats(ops, f, bound, threshold, flip)) {
        // only a NaN at an end refuses: check that one is there
        boolean nan = false;
        for (int j = 0; j < f; j++) {
          nan |= Float.isNaN(PointwiseOp.applyAll(ops, j, -bound)) || Float.isNaN(PointwiseOp.applyAll(ops, j, bound));
        }
        assertTrue(nan, "refused a fold without a NaN at the range's ends");
        continue;
      }
      folded++;
      SignThresholds signs = new SignThresholds(threshold, flip);
      List<Float> probes = probes(rng, bound, threshold);
      int[] keys = new int[f];
      long[] bits = new long[org.bnnspark.bits.BitPacking.words(f)];
      for (float v : probes) {
        java.util.Arrays.fill(keys, FloatOrder.key(v));
        signs.pack(keys, 0, bits, 0);
        for (int j = 0; j < f; j++) {
          boolean expected = PointwiseOp.applyAll(ops, j, v) >= 0f;
          boolean actual = ((bits[j >> 6] >>> j) & 1) != 0;
          assertEquals(expected, actual, "feature " + j + " of " + java.util.Arrays.toString(ops) + " at " + v + " (bound " + bound + ")");
        }
      }
    }
    assertTrue(folded > 220, "most chains fold: " + folded);
  }

  @Test
  void aZeroScaleOverAnOverflowingRangeIsNotFolded() {
    // γ = 0: 0 · ((±∞ − μ) · s) is NaN at the ends of the unbounded range, a constant inside it
    PointwiseOp bn = new PointwiseOp(OpKind.BATCH_NORM, new float[][] {{0.5f}, {2f}, {0f}, {0.25f}});
    assertFalse(Thresholds.foldFloats(new PointwiseOp[] {bn}, 1, Float.POSITIVE_INFINITY, new int[1], new boolean[1]));
    int[] t = new int[1];
    assertTrue(Thresholds.foldFloats(new PointwiseOp[] {bn}, 1, 100f, t, new boolean[1]));
    assertEquals(FloatOrder.LOWEST, t[0], "β ≥ 0: every value is +1");
  }

  private static PointwiseOp[] chain(SplittableRandom rng, int f) {
    List<PointwiseOp> ops = new ArrayList<>();
    if (rng.nextBoolean()) {
      ops.add(new PointwiseOp(OpKind.ADD_BIAS, new float[][] {gaussians(rng, f, 2)}));
    }
    float[] gamma = gaussians(rng, f, 1);
    boolean zero = rng.nextInt(3) == 0; // a zero scale: NaN at ±∞, so such a chain folds on a bounded range only
    for (int j = 0; j < f; j += 4) {
      gamma[j] = zero && j % 8 == 0 ? 0f : -Math.abs(gamma[j]);
    }
    float[] invStd = new float[f];
    for (int j = 0; j < f; j++) {
      invStd[j] = (float) Math.exp(rng.nextGaussian() * 3);
    }
    ops.add(new PointwiseOp(OpKind.BATCH_NORM, new float[][] {gaussians(rng, f, 5), invStd, gamma, gaussians(rng, f, 0.5)}));
    if (rng.nextBoolean()) {
      ops.add(new PointwiseOp(rng.nextBoolean() ? OpKind.HARDTANH : OpKind.RELU, new float[0][]));
    }
    return ops.toArray(PointwiseOp[]::new);
  }

  private static float[] gaussians(SplittableRandom rng, int n, double scale) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) (rng.nextGaussian() * scale);
    }
    return v;
  }

  /** Random values of the range, every threshold and its neighbours, the ends, zeros, NaN (and ±∞ on the unbounded range). */
  private static List<Float> probes(SplittableRandom rng, float bound, int[] threshold) {
    List<Float> p = new ArrayList<>(List.of(-0f, 0f, Float.MIN_VALUE, -Float.MIN_VALUE, Float.NaN, bound, -bound));
    for (int t : threshold) {
      if (t >= FloatOrder.LOWEST && t <= FloatOrder.HIGHEST) {
        float v = FloatOrder.value(t);
        p.add(v);
        p.add(Math.nextUp(v));
        p.add(Math.nextDown(v));
      }
    }
    float scale = Float.isInfinite(bound) ? 1e6f : bound;
    for (int i = 0; i < 200; i++) {
      p.add((float) ((2 * rng.nextDouble() - 1) * scale * (i % 3 == 0 ? 1e-3 : 1)));
    }
    p.removeIf(v -> Math.abs(v) > bound);
    return p;
  }
}
