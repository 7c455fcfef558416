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

  /**
   * Rows of {@code B} per block of the sum: a panel block (256 × 2 vectors, 32 KiB at 16 lanes) stays
   * in the first-level cache while every row tile reads it, however long k is (a convolution's weight
   * gradient sums over 10⁴–10⁵ rows). Between blocks each element's partial sum waits in {@code C}:
   * a float store and load are exact, so the chain over p is the same.
   */
  static final int K_BLOCK = 256;

  @Override
  public void gemm(int m, int n, int k, float[] a, int[] rows, int[] cols, float[] b, int bOff, int ldb,
      boolean accumulate, float[] c, int cOff, int ldc) {
    int lanes = S.length();
    int wide = 2 * lanes;
    int jVec = n - n % wide;
    float[] panel = panel(Math.min(k, K_BLOCK) * wide);
    // column panels outermost: a block of a panel of B (≤ K_BLOCK × 2 vectors), copied to consecutive
    // memory so the p loop streams it instead of striding ldb floats (a TLB miss per p on wide
    // matrices), stays in cache while every row tile uses it
    for (int j = 0; j < jVec; j += wide) {
      int p0 = 0;
      do {
        int p1 = Math.min(k, p0 + K_BLOCK);
        for (int p = p0; p < p1; p++) {
          System.arraycopy(b, bOff + p * ldb + j, panel, (p - p0) * wide, wide);
        }
        panelRows(m, j, p0, p1, a, rows, cols, accumulate || p0 > 0, c, cOff, ldc, panel);
        p0 = p1;
      } while (p0 < k);
    }
    int rest = n - jVec;
    if (rest > lanes) {
      edgePanel2(m, rest, jVec, k, a, rows, cols, b, bOff, ldb, accumulate, c, cOff, ldc, panel);
    } else if (rest > 0) {
      edgePanel(m, rest, jVec, k, a, rows, cols, b, bOff, ldb, accumulate, c, cOff, ldc, panel);
    }
  }

  /**
   * Columns {@code [j, j + 2 vectors)} of every row, the sum over {@code p ∈ [p0, p1)} read from the
   * panel block. Each tile is a method of its own: a small method gets every Vector API call inlined
   * (intrinsified); a large one can run out of inlining budget, and an operation left as a call runs
   * the Java fallback, tens of times slower.
   */
  private static void panelRows(int m, int j, int p0, int p1, float[] a, int[] rows, int[] cols, boolean load,
      float[] c, int cOff, int ldc, float[] panel) {
    int mTiles = m - m % 4;
    for (int i = 0; i < mTiles; i += 4) {
      tile4x2(i, j, p0, p1, a, rows, cols, load, c, cOff, ldc, panel);
    }
    for (int i = mTiles; i < m; i++) {
      tile1x2(i, j, p0, p1, a, rows, cols, load, c, cOff, ldc, panel);
    }
  }

  private static void tile4x2(int i, int j, int p0, int p1, float[] a, int[] rows, int[] cols, boolean load,
      float[] c, int cOff, int ldc, float[] panel) {
    int lanes = S.length();
    int wide = 2 * lanes;
    int a0 = rows[i];
    int a1 = rows[i + 1];
    int a2 = rows[i + 2];
    int a3 = rows[i + 3];
    int c0 = cOff + i * ldc;
    FloatVector s00, s01, s10, s11, s20, s21, s30, s31;
    if (load) {
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
    for (int p = p0; p < p1; p++) {
      int bp = (p - p0) * wide;
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

  private static void tile1x2(int i, int j, int p0, int p1, float[] a, int[] rows, int[] cols, boolean load,
      float[] c, int cOff, int ldc, float[] panel) {
    int lanes = S.length();
    int wide = 2 * lanes;
    int ai = rows[i];
    int ci = cOff + i * ldc;
    FloatVector s0 = load ? FloatVector.fromArray(S, c, ci + j) : FloatVector.zero(S);
    FloatVector s1 = load ? FloatVector.fromArray(S, c, ci + j + lanes) : FloatVector.zero(S);
    for (int p = p0; p < p1; p++) {
      int bp = (p - p0) * wide;
      FloatVector x = FloatVector.broadcast(S, a[ai + cols[p]]);
      s0 = x.fma(FloatVector.fromArray(S, panel, bp), s0);
      s1 = x.fma(FloatVector.fromArray(S, panel, bp + lanes), s1);
    }
    s0.intoArray(c, ci + j);
    s1.intoArray(c, ci + j + lanes);
  }

  /**
   * The last {@code w < 2·lanes} columns from {@code j}: one masked vector per row instead of scalar
   * chains (which cost as much as the whole vector part on widths such as 784 = 24·32 + 16), in
   * tiles of 4 rows and blocks of {@link #K_BLOCK}. (A tile of 8 rows would keep two FMA units
   * busier, but C1 cannot compile it — "out of virtual registers" — and a method stuck in C1 runs
   * every Vector API call as its Java fallback: the step ran 10× slower in one run of three.) The
   * panel's lanes past {@code w} are zero and never stored; each stored element is still the FMA
   * chain over p in order.
   */
  private static void edgePanel(int m, int w, int j, int k, float[] a, int[] rows, int[] cols, float[] b, int bOff,
      int ldb, boolean accumulate, float[] c, int cOff, int ldc, float[] panel) {
    int lanes = S.length();
    jdk.incubator.vector.VectorMask<Float> mask = S.indexInRange(0, w);
    int p0 = 0;
    do {
      int p1 = Math.min(k, p0 + K_BLOCK);
      boolean load = accumulate || p0 > 0;
      for (int p = p0; p < p1; p++) {
        int at = (p - p0) * lanes;
        System.arraycopy(b, bOff + p * ldb + j, panel, at, w);
        java.util.Arrays.fill(panel, at + w, at + lanes, 0f);
      }
      int mTiles = m - m % 4;
      for (int i = 0; i < mTiles; i += 4) {
        edge4(i, j, p0, p1, a, rows, cols, load, c, cOff, ldc, panel, mask);
      }
      for (int i = mTiles; i < m; i++) {
        edge1(i, j, p0, p1, a, rows, cols, load, c, cOff, ldc, panel, mask);
      }
      p0 = p1;
    } while (p0 < k);
  }

  /**
   * The last {@code w} columns from {@code j} when they are more than one vector (e.g. a batch of 50
   * = 32 + 18 as the columns of the first layer's {@code W·xᵀ}): tiles of 4 rows × 2 vectors like the
   * full panels, the second vector masked. Four rows × one vector keep only four FMA chains in flight
   * — half of what the FMA units need to hide their latency — so these columns ran at about half
   * the full tiles' rate as two one-vector passes. Each stored element is still the FMA chain over
   * p in order.
   */
  private static void edgePanel2(int m, int w, int j, int k, float[] a, int[] rows, int[] cols, float[] b, int bOff,
      int ldb, boolean accumulate, float[] c, int cOff, int ldc, float[] panel) {
    int wide = 2 * S.length();
    jdk.incubator.vector.VectorMask<Float> mask = S.indexInRange(S.length(), w);
    int p0 = 0;
    do {
      int p1 = Math.min(k, p0 + K_BLOCK);
      boolean load = accumulate || p0 > 0;
      for (int p = p0; p < p1; p++) {
        int at = (p - p0) * wide;
        System.arraycopy(b, bOff + p * ldb + j, panel, at, w);
        java.util.Arrays.fill(panel, at + w, at + wide, 0f);
      }
      int mTiles = m - m % 4;
      for (int i = 0; i < mTiles; i += 4) {
        edge4x2(i, j, p0, p1, a, rows, cols, load, c, cOff, ldc, panel, mask);
      }
      for (int i = mTiles; i < m; i++) {
        edge1x2(i, j, p0, p1, a, rows, cols, load, c, cOff, ldc, panel, mask);
      }
      p0 = p1;
    } while (p0 < k);
  }

  /**
   * {@link #tile4x2} with the second vector's columns masked by {@code mask} where they are loaded
   * from and stored to {@code C}. A copy on purpose: one tile method taking a nullable mask for both
   * kinds of panel ran the full panels at 41–47 G MAC/s against 42–71 for the unmasked method
   * ({@code jobs/bench.sh kernels --m 50 --n 512 --k 784}, four alternated pairs).
   */
  private static void edge4x2(int i, int j, int p0, int p1, float[] a, int[] rows, int[] cols, boolean load,
      float[] c, int cOff, int ldc, float[] panel, jdk.incubator.vector.VectorMask<Float> mask) {
    int lanes = S.length();
    int wide = 2 * lanes;
    int a0 = rows[i];
    int a1 = rows[i + 1];
    int a2 = rows[i + 2];
    int a3 = rows[i + 3];
    int c0 = cOff + i * ldc + j;
    FloatVector s00, s01, s10, s11, s20, s21, s30, s31;
    if (load) {
      s00 = FloatVector.fromArray(S, c, c0);
      s01 = FloatVector.fromArray(S, c, c0 + lanes, mask);
      s10 = FloatVector.fromArray(S, c, c0 + ldc);
      s11 = FloatVector.fromArray(S, c, c0 + ldc + lanes, mask);
      s20 = FloatVector.fromArray(S, c, c0 + 2 * ldc);
      s21 = FloatVector.fromArray(S, c, c0 + 2 * ldc + lanes, mask);
      s30 = FloatVector.fromArray(S, c, c0 + 3 * ldc);
      s31 = FloatVector.fromArray(S, c, c0 + 3 * ldc + lanes, mask);
    } else {
      s00 = s01 = s10 = s11 = s20 = s21 = s30 = s31 = FloatVector.zero(S);
    }
    for (int p = p0; p < p1; p++) {
      int bp = (p - p0) * wide;
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
    s00.intoArray(c, c0);
    s01.intoArray(c, c0 + lanes, mask);
    s10.intoArray(c, c0 + ldc);
    s11.intoArray(c, c0 + ldc + lanes, mask);
    s20.intoArray(c, c0 + 2 * ldc);
    s21.intoArray(c, c0 + 2 * ldc + lanes, mask);
    s30.intoArray(c, c0 + 3 * ldc);
    s31.intoArray(c, c0 + 3 * ldc + lanes, mask);
  }

  private static void edge1x2(int i, int j, int p0, int p1, float[] a, int[] rows, int[] cols, boolean load,
      float[] c, int cOff, int ldc, float[] panel, jdk.incubator.vector.VectorMask<Float> mask) {
    int lanes = S.length();
    int wide = 2 * lanes;
    int ai = rows[i];
    int ci = cOff + i * ldc + j;
    FloatVector s0 = load ? FloatVector.fromArray(S, c, ci) : FloatVector.zero(S);
    FloatVector s1 = load ? FloatVector.fromArray(S, c, ci + lanes, mask) : FloatVector.zero(S);
    for (int p = p0; p < p1; p++) {
      int bp = (p - p0) * wide;
      FloatVector x = FloatVector.broadcast(S, a[ai + cols[p]]);
      s0 = x.fma(FloatVector.fromArray(S, panel, bp), s0);
      s1 = x.fma(FloatVector.fromArray(S, panel, bp + lanes), s1);
    }
    s0.intoArray(c, ci);
    s1.intoArray(c, ci + lanes, mask);
  }

  private static void edge4(int i, int j, int p0, int p1, float[] a, int[] rows, int[] cols, boolean load,
      float[] c, int cOff, int ldc, float[] panel, jdk.incubator.vector.VectorMask<Float> mask) {
    int lanes = S.length();
    int c0 = cOff + i * ldc + j;
    FloatVector s0 = load ? FloatVector.fromArray(S, c, c0, mask) : FloatVector.zero(S);
    FloatVector s1 = load ? FloatVector.fromArray(S, c, c0 + ldc, mask) : FloatVector.zero(S);
    FloatVector s2 = load ? FloatVector.fromArray(S, c, c0 + 2 * ldc, mask) : FloatVector.zero(S);
    FloatVector s3 = load ? FloatVector.fromArray(S, c, c0 + 3 * ldc, mask) : FloatVector.zero(S);
    int a0 = rows[i];
    int a1 = rows[i + 1];
    int a2 = rows[i + 2];
    int a3 = rows[i + 3];
    for (int p = p0; p < p1; p++) {
      FloatVector bv = FloatVector.fromArray(S, panel, (p - p0) * lanes);
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

  private static void edge1(int i, int j, int p0, int p1, float[] a, int[] rows, int[] cols, boolean load,
      float[] c, int cOff, int ldc, float[] panel, jdk.incubator.vector.VectorMask<Float> mask) {
    int lanes = S.length();
    int ai = rows[i];
    int ci = cOff + i * ldc + j;
    FloatVector s0 = load ? FloatVector.fromArray(S, c, ci, mask) : FloatVector.zero(S);
    for (int p = p0; p < p1; p++) {
      s0 = FloatVector.broadcast(S, a[ai + cols[p]]).fma(FloatVector.fromArray(S, panel, (p - p0) * lanes), s0);
    }
    s0.intoArray(c, ci, mask);
  }
}
