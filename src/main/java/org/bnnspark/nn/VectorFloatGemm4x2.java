package org.bnnspark.nn;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Broadcast-FMA float GEMM on the Vector API: a register tile of 4 rows × 2 vectors of {@code C};
 * per {@code p} it loads two vectors of row {@code p} of {@code B}, broadcasts four values of
 * {@code A}, and issues eight lane-wise FMAs. No lane reductions, so every element is the same FMA
 * chain as in {@link FloatGemm#PORTABLE} (see there for why that matters).
 */
final class VectorFloatGemm4x2 extends FloatGemm {
  static final VectorFloatGemm4x2 INSTANCE = new VectorFloatGemm4x2();
  private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

  static boolean available() {
    return S.length() >= 4;
  }

  private static final ThreadLocal<float[]> PANEL = ThreadLocal.withInitial(() -> new float[0]);

  private static float[] panel(int size) {
    float[] p = PANEL.get();
    if (p.length < size) {
      p = new float[size];
      PANEL.set(p);
    }
    return p;
  }

  @Override
  public String name() {
    return "VectorFloatGemm4x2(" + S.vectorBitSize() + "-bit)";
  }

  @Override
  public void gemm(int m, int n, int k, float[] a, int[] rows, int[] cols, float[] b, int bOff, int ldb,
      boolean accumulate, float[] c, int cOff, int ldc) {
    int lanes = S.length();
    int wide = 2 * lanes;
    int jVec = n - n % wide;
    int mTiles = m - m % 4;
    float[] panel = panel(k * wide);
    // column panels outermost: a panel of B (k × 2 vectors), copied to consecutive memory so the
    // p loop streams it instead of striding ldb floats (a TLB miss per p on wide matrices), stays
    // in cache while every row tile uses it
    for (int j = 0; j < jVec; j += wide) {
      for (int p = 0; p < k; p++) {
        System.arraycopy(b, bOff + p * ldb + j, panel, p * wide, wide);
      }
      for (int i = 0; i < mTiles; i += 4) {
        int a0 = rows[i];
        int a1 = rows[i + 1];
        int a2 = rows[i + 2];
        int a3 = rows[i + 3];
        int c0 = cOff + i * ldc;
        FloatVector s00, s01, s10, s11, s20, s21, s30, s31;
        if (accumulate) {
          s00 = FloatVector.fromArray(S, c, c0 + j);
          s01 = FloatVector.fromArray(S, c, c0 + j + lanes);
          s10 = FloatVector.fromArray(S, c, c0 + ldc + j);
          s11 = FloatVector.fromArray(S, c, c0 + ldc + j + lanes);
          s20 = FloatVector.fromArray(S, c, c0 + 2 * ldc + j);
          s21 = FloatVector.fromArray(S, c, c0 + 2 * ldc + j + lanes);
          s30 = FloatVector.fromArray(S, c, c0 + 3 * ldc + j);
          s31 = FloatVector.fromArray(S, c, c0 + 3 * ldc + j + lanes);
        } else {
          s00 = s01 = s10 = s11 = s20 = s21 = s30 = s31 = FloatVector.zero(S);
        }
        for (int p = 0; p < k; p++) {
          int bp = p * wide;
          FloatVector b0 = FloatVector.fromArray(S, panel, bp);
          FloatVector b1 = FloatVector.fromArray(S, panel, bp + lanes);
          int ap = cols[p];
          FloatVector x0 = FloatVector.broadcast(S, a[a0 + ap]);
          FloatVector x1 = FloatVector.broadcast(S, a[a1 + ap]);
          FloatVector x2 = FloatVector.broadcast(S, a[a2 + ap]);
          FloatVector x3 = FloatVector.broadcast(S, a[a3 + ap]);
          s00 = x0.fma(b0, s00);
          s01 = x0.fma(b1, s01);
          s10 = x1.fma(b0, s10);
          s11 = x1.fma(b1, s11);
          s20 = x2.fma(b0, s20);
          s21 = x2.fma(b1, s21);
          s30 = x3.fma(b0, s30);
          s31 = x3.fma(b1, s31);
        }
        s00.intoArray(c, c0 + j);
        s01.intoArray(c, c0 + j + lanes);
        s10.intoArray(c, c0 + ldc + j);
        s11.intoArray(c, c0 + ldc + j + lanes);
        s20.intoArray(c, c0 + 2 * ldc + j);
        s21.intoArray(c, c0 + 2 * ldc + j + lanes);
        s30.intoArray(c, c0 + 3 * ldc + j);
        s31.intoArray(c, c0 + 3 * ldc + j + lanes);
      }
      for (int i = mTiles; i < m; i++) {
        int ai = rows[i];
        int ci = cOff + i * ldc;
        FloatVector s0 = accumulate ? FloatVector.fromArray(S, c, ci + j) : FloatVector.zero(S);
        FloatVector s1 = accumulate ? FloatVector.fromArray(S, c, ci + j + lanes) : FloatVector.zero(S);
        for (int p = 0; p < k; p++) {
          int bp = p * wide;
          FloatVector x = FloatVector.broadcast(S, a[ai + cols[p]]);
          s0 = x.fma(FloatVector.fromArray(S, panel, bp), s0);
          s1 = x.fma(FloatVector.fromArray(S, panel, bp + lanes), s1);
        }
        s0.intoArray(c, ci + j);
        s1.intoArray(c, ci + j + lanes);
      }
    }
    for (int j = jVec; j < n; j += lanes) {
      edgePanel(m, Math.min(lanes, n - j), j, k, a, rows, cols, b, bOff, ldb, accumulate, c, cOff, ldc, panel);
    }
  }

  /**
   * The last {@code w < 2·lanes} columns from {@code j}: one masked vector per row instead of scalar
   * chains (which cost as much as the whole vector part on widths such as 784 = 24·32 + 16). The
   * panel's lanes past {@code w} are zero and never stored; each stored element is still the FMA chain
   * over p in order.
   */
  private static void edgePanel(int m, int w, int j, int k, float[] a, int[] rows, int[] cols, float[] b, int bOff,
      int ldb, boolean accumulate, float[] c, int cOff, int ldc, float[] panel) {
    int lanes = S.length();
    jdk.incubator.vector.VectorMask<Float> mask = S.indexInRange(0, w);
    for (int p = 0; p < k; p++) {
      System.arraycopy(b, bOff + p * ldb + j, panel, p * lanes, w);
      java.util.Arrays.fill(panel, p * lanes + w, (p + 1) * lanes, 0f);
    }
    int mTiles = m - m % 4;
    for (int i = 0; i < mTiles; i += 4) {
      int a0 = rows[i];
      int a1 = rows[i + 1];
      int a2 = rows[i + 2];
      int a3 = rows[i + 3];
      int c0 = cOff + i * ldc + j;
      FloatVector s0 = accumulate ? FloatVector.fromArray(S, c, c0, mask) : FloatVector.zero(S);
      FloatVector s1 = accumulate ? FloatVector.fromArray(S, c, c0 + ldc, mask) : FloatVector.zero(S);
      FloatVector s2 = accumulate ? FloatVector.fromArray(S, c, c0 + 2 * ldc, mask) : FloatVector.zero(S);
      FloatVector s3 = accumulate ? FloatVector.fromArray(S, c, c0 + 3 * ldc, mask) : FloatVector.zero(S);
      for (int p = 0; p < k; p++) {
        FloatVector bv = FloatVector.fromArray(S, panel, p * lanes);
        int ap = cols[p];
        s0 = FloatVector.broadcast(S, a[a0 + ap]).fma(bv, s0);
        s1 = FloatVector.broadcast(S, a[a1 + ap]).fma(bv, s1);
        s2 = FloatVector.broadcast(S, a[a2 + ap]).fma(bv, s2);
        s3 = FloatVector.broadcast(S, a[a3 + ap]).fma(bv, s3);
      }
      s0.intoArray(c, c0, mask);
      s1.intoArray(c, c0 + ldc, mask);
      s2.intoArray(c, c0 + 2 * ldc, mask);
      s3.intoArray(c, c0 + 3 * ldc, mask);
    }
    for (int i = mTiles; i < m; i++) {
      int ai = rows[i];
      int ci = cOff + i * ldc + j;
      FloatVector s0 = accumulate ? FloatVector.fromArray(S, c, ci, mask) : FloatVector.zero(S);
      for (int p = 0; p < k; p++) {
        s0 = FloatVector.broadcast(S, a[ai + cols[p]]).fma(FloatVector.fromArray(S, panel, p * lanes), s0);
      }
      s0.intoArray(c, ci, mask);
    }
  }
}
