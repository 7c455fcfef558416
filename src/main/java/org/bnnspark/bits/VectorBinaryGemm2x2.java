package org.bnnspark.bits;

import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API binary GEMM: a 2×2 tile of {@code LongVector}s of the preferred species, lane-wise
 * XOR then {@code BIT_COUNT}, lanes reduced once per output.
 *
 * <p>The source compiles for Java 17, where {@code VectorOperators.BIT_COUNT} does not exist yet
 * (it came in JDK 19). The operator is therefore looked up by reflection into a {@code static final}
 * field: on 17 it is null and {@link #available()} says no; on 19+ C2 treats it as a constant and
 * intrinsifies the lane-wise popcount (VPOPCNTQ on AVX-512).
 *
 * <p>{@link #gemmKMajor}: per row of {@code a}, 4 vectors of output columns against one broadcast
 * word at a time; the counts turn into dots and narrow to ints lane-wise.
 */
final class VectorBinaryGemm2x2 extends BinaryGemm {
  static final VectorBinaryGemm2x2 INSTANCE = new VectorBinaryGemm2x2();
  private static final VectorSpecies<Long> SPECIES = LongVector.SPECIES_PREFERRED;
  private static final VectorOperators.Unary BIT_COUNT = lookUpBitCount();
  /** Ints, as many lanes as {@link #SPECIES} has longs (what the counts narrow to). */
  private static final VectorSpecies<Integer> NARROW = VectorSpecies.of(int.class,
      VectorShape.forBitSize(Math.max(64, SPECIES.vectorBitSize() / 2)));

  private static VectorOperators.Unary lookUpBitCount() {
    try {
      return (VectorOperators.Unary) VectorOperators.class.getField("BIT_COUNT").get(null);
    } catch (ReflectiveOperationException | ClassCastException e) {
      return null;
    }
  }

  static boolean available() {
    return BIT_COUNT != null && SPECIES.length() >= 2;
  }

  @Override
  public String name() {
    return "VectorBinaryGemm2x2(" + SPECIES.vectorBitSize() + "-bit)";
  }

  @Override
  public void gemm(long[] a, int aOff, int m, long[] b, int bOff, int n, int words, int bits,
      int[] c, int cOff, int ldc) {
    int lanes = SPECIES.length();
    int vecEnd = words - words % lanes;
    int i = 0;
    for (; i + 2 <= m; i += 2) {
      int a0 = aOff + i * words;
      int a1 = a0 + words;
      int j = 0;
      for (; j + 2 <= n; j += 2) {
        int b0 = bOff + j * words;
        int b1 = b0 + words;
        LongVector s00 = LongVector.zero(SPECIES);
        LongVector s01 = s00, s10 = s00, s11 = s00;
        for (int k = 0; k < vecEnd; k += lanes) {
          LongVector x0 = LongVector.fromArray(SPECIES, a, a0 + k);
          LongVector x1 = LongVector.fromArray(SPECIES, a, a1 + k);
          LongVector w0 = LongVector.fromArray(SPECIES, b, b0 + k);
          LongVector w1 = LongVector.fromArray(SPECIES, b, b1 + k);
          s00 = s00.add(x0.lanewise(VectorOperators.XOR, w0).lanewise(BIT_COUNT));
          s01 = s01.add(x0.lanewise(VectorOperators.XOR, w1).lanewise(BIT_COUNT));
          s10 = s10.add(x1.lanewise(VectorOperators.XOR, w0).lanewise(BIT_COUNT));
          s11 = s11.add(x1.lanewise(VectorOperators.XOR, w1).lanewise(BIT_COUNT));
        }
        long p00 = s00.reduceLanes(VectorOperators.ADD);
        long p01 = s01.reduceLanes(VectorOperators.ADD);
        long p10 = s10.reduceLanes(VectorOperators.ADD);
        long p11 = s11.reduceLanes(VectorOperators.ADD);
        for (int k = vecEnd; k < words; k++) {
          p00 += Long.bitCount(a[a0 + k] ^ b[b0 + k]);
          p01 += Long.bitCount(a[a0 + k] ^ b[b1 + k]);
          p10 += Long.bitCount(a[a1 + k] ^ b[b0 + k]);
          p11 += Long.bitCount(a[a1 + k] ^ b[b1 + k]);
        }
        int r = cOff + i * ldc + j;
        c[r] = bits - 2 * (int) p00;
        c[r + 1] = bits - 2 * (int) p01;
        c[r + ldc] = bits - 2 * (int) p10;
        c[r + ldc + 1] = bits - 2 * (int) p11;
      }
      for (; j < n; j++) {
        c[cOff + i * ldc + j] = dot(a, a0, b, bOff + j * words, bits);
        c[cOff + (i + 1) * ldc + j] = dot(a, a1, b, bOff + j * words, bits);
      }
    }
    for (; i < m; i++) {
      for (int j = 0; j < n; j++) {
        c[cOff + i * ldc + j] = dot(a, aOff + i * words, b, bOff + j * words, bits);
      }
    }
  }

  /** Rows shorter than two vectors leave the row-major tile's lanes mostly idle. */
  @Override
  public boolean prefersKMajor(int words, int n) {
    return words < 2 * SPECIES.length() && n >= SPECIES.length() && NARROW.length() == SPECIES.length();
  }

  @Override
  public void gemmKMajor(long[] a, int aOff, int m, long[] bT, int n, int words, int bits, int[] c, int cOff, int ldc) {
    int lanes = SPECIES.length();
    if (n < lanes || NARROW.length() != lanes) {
      scalarKMajor(a, aOff, m, bT, n, words, bits, c, cOff, ldc);
      return;
    }
    for (int i = 0; i < m; i++) {
      int ai = aOff + i * words;
      int row = cOff + i * ldc;
      int j = 0;
      for (; j + 4 * lanes <= n; j += 4 * lanes) {
        LongVector s0 = LongVector.zero(SPECIES);
        LongVector s1 = s0, s2 = s0, s3 = s0;
        for (int k = 0; k < words; k++) {
          LongVector x = LongVector.broadcast(SPECIES, a[ai + k]);
          int col = k * n + j;
          s0 = s0.add(x.lanewise(VectorOperators.XOR, LongVector.fromArray(SPECIES, bT, col)).lanewise(BIT_COUNT));
          s1 = s1.add(x.lanewise(VectorOperators.XOR, LongVector.fromArray(SPECIES, bT, col + lanes)).lanewise(BIT_COUNT));
          s2 = s2.add(x.lanewise(VectorOperators.XOR, LongVector.fromArray(SPECIES, bT, col + 2 * lanes)).lanewise(BIT_COUNT));
          s3 = s3.add(x.lanewise(VectorOperators.XOR, LongVector.fromArray(SPECIES, bT, col + 3 * lanes)).lanewise(BIT_COUNT));
        }
        store(s0, bits, c, row + j);
        store(s1, bits, c, row + j + lanes);
        store(s2, bits, c, row + j + 2 * lanes);
        store(s3, bits, c, row + j + 3 * lanes);
      }
      for (; j + lanes <= n; j += lanes) {
        LongVector s0 = LongVector.zero(SPECIES);
        for (int k = 0; k < words; k++) {
          s0 = s0.add(LongVector.broadcast(SPECIES, a[ai + k]).lanewise(VectorOperators.XOR, LongVector.fromArray(SPECIES, bT, k * n + j))
              .lanewise(BIT_COUNT));
        }
        store(s0, bits, c, row + j);
      }
      for (; j < n; j++) {
        int pop = 0;
        for (int k = 0; k < words; k++) {
          pop += Long.bitCount(a[ai + k] ^ bT[k * n + j]);
        }
        c[row + j] = bits - 2 * pop;
      }
    }
  }

  /** {@code c[off …] = bits − 2·counts}, narrowed to ints. */
  private static void store(LongVector counts, int bits, int[] c, int off) {
    LongVector dots = counts.lanewise(VectorOperators.MUL, -2L).add(bits);
    ((IntVector) dots.convertShape(VectorOperators.L2I, NARROW, 0)).intoArray(c, off);
  }
}
