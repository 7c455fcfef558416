package org.bnnspark.bits;

/**
 * Portable binary GEMM: a 4×2 register tile (4 rows of {@code a} against 2 rows of {@code b}), so
 * each k step loads 6 words and does 8 XOR-popcounts; HotSpot compiles {@link Long#bitCount} to
 * POPCNT. Edges fall back to 1×1.
 */
final class ScalarBinaryGemm4x2 extends BinaryGemm {
  static final ScalarBinaryGemm4x2 INSTANCE = new ScalarBinaryGemm4x2();

  @Override
  public String name() {
    return "ScalarBinaryGemm4x2";
  }

  @Override
  public void gemm(long[] a, int aOff, int m, long[] b, int bOff, int n, int words, int bits,
      int[] c, int cOff, int ldc) {
    int i = 0;
    for (; i + 4 <= m; i += 4) {
      int a0 = aOff + i * words;
      int a1 = a0 + words;
      int a2 = a1 + words;
      int a3 = a2 + words;
      int j = 0;
      for (; j + 2 <= n; j += 2) {
        int b0 = bOff + j * words;
        int b1 = b0 + words;
        int p00 = 0, p01 = 0, p10 = 0, p11 = 0, p20 = 0, p21 = 0, p30 = 0, p31 = 0;
        for (int k = 0; k < words; k++) {
          long w0 = b[b0 + k];
          long w1 = b[b1 + k];
          long x0 = a[a0 + k];
          long x1 = a[a1 + k];
          long x2 = a[a2 + k];
          long x3 = a[a3 + k];
          p00 += Long.bitCount(x0 ^ w0);
          p01 += Long.bitCount(x0 ^ w1);
          p10 += Long.bitCount(x1 ^ w0);
          p11 += Long.bitCount(x1 ^ w1);
          p20 += Long.bitCount(x2 ^ w0);
          p21 += Long.bitCount(x2 ^ w1);
          p30 += Long.bitCount(x3 ^ w0);
          p31 += Long.bitCount(x3 ^ w1);
        }
        int r = cOff + i * ldc + j;
        c[r] = bits - 2 * p00;
        c[r + 1] = bits - 2 * p01;
        c[r + ldc] = bits - 2 * p10;
        c[r + ldc + 1] = bits - 2 * p11;
        c[r + 2 * ldc] = bits - 2 * p20;
        c[r + 2 * ldc + 1] = bits - 2 * p21;
        c[r + 3 * ldc] = bits - 2 * p30;
        c[r + 3 * ldc + 1] = bits - 2 * p31;
      }
      for (; j < n; j++) {
        for (int ii = i; ii < i + 4; ii++) {
          c[cOff + ii * ldc + j] = dot(a, aOff + ii * words, b, bOff + j * words, bits);
        }
      }
    }
    for (; i < m; i++) {
      for (int j = 0; j < n; j++) {
        c[cOff + i * ldc + j] = dot(a, aOff + i * words, b, bOff + j * words, bits);
      }
    }
  }

  @Override
  public void gemmKMajor(long[] a, int aOff, int m, long[] bT, int n, int words, int bits, int[] c, int cOff, int ldc) {
    scalarKMajor(a, aOff, m, bT, n, words, bits, c, cOff, ldc);
  }
}
