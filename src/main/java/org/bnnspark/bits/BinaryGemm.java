package org.bnnspark.bits;

/**
 * Binary matrix products over packed ±1 rows.
 *
 * <p>Both operands are row-major packed matrices: {@code a} holds {@code m} rows, {@code b} holds
 * {@code n} rows, every row {@code words} longs wide and {@code bits} values long (padding bits are
 * zero). Row {@code i} of {@code a} dotted with row {@code j} of {@code b} is
 *
 * <pre>
 *   a_i · b_j = Σ_k a_ik b_jk = (#agreeing values) − (#disagreeing values)
 *             = bits − 2 · popcount(a_i XOR b_j)
 * </pre>
 *
 * since a value pair agrees exactly when its bits are equal, and XOR of the zero padding is zero.
 *
 * <h2>Short rows: the k-major form</h2>
 * A convolution's window rows are a few words long (a 3×3 window over 32 channels is 288 bits, 5
 * words), shorter than one 512-bit vector of words. {@link #gemmKMajor} takes the right operand
 * rearranged word-major ({@link #kMajor}: word k of row j at {@code bT[k·n + j]}), so a kernel can run
 * a vector over the n output columns against one broadcast word of {@code a_i}: the same dots, with
 * no lanes wasted on a row shorter than a vector and no reduction across lanes.
 *
 * <h2>Thresholded packed output</h2>
 * {@link #gemmThresholded} fuses the next layer's BatchNorm and sign ({@link SignThresholds}): output
 * bit {@code (i, j)} is +1 when {@code dot ≥ threshold[j]}, or, for columns whose BN scale is negative,
 * when {@code dot ≤ threshold[j]}. Implementations differ only in how they compute the counts.
 *
 * <p>Implementations: {@link ScalarBinaryGemm4x2} (portable, scalar POPCNT) and {@link
 * VectorBinaryGemm2x2} (Vector API {@code BIT_COUNT}, JDK 19+). {@link #best()} picks the fastest
 * available at run time and always falls back to the portable kernel.
 */
public abstract class BinaryGemm {

  /** Name that says tile and target, e.g. {@code ScalarBinaryGemm4x2}. */
  public abstract String name();

  /**
   * {@code c[cOff + i*ldc + j] = a_i · b_j} for i in [0, m), j in [0, n).
   *
   * @param a packed rows of the left operand, row i at {@code aOff + i*words}
   * @param b packed rows of the right operand, row j at {@code bOff + j*words}
   * @param words longs per row
   * @param bits valid values per row ({@code words(bits) == words})
   */
  public abstract void gemm(long[] a, int aOff, int m, long[] b, int bOff, int n, int words, int bits,
      int[] c, int cOff, int ldc);

  /**
   * {@code c[cOff + i*ldc + j] = a_i · b_j} for i in [0, m), j in [0, n), with {@code b} in the
   * k-major form of {@link #kMajor}; otherwise as {@link #gemm}.
   */
  public abstract void gemmKMajor(long[] a, int aOff, int m, long[] bT, int n, int words, int bits, int[] c, int cOff, int ldc);

  /** Whether {@link #gemmKMajor} beats {@link #gemm} on rows of {@code words} longs against {@code n} columns. */
  public boolean prefersKMajor(int words, int n) {
    return false;
  }

  /**
   * {@code n} packed rows of {@code words} longs at {@code b[bOff]} in the layout {@link #dots} reads:
   * k-major ({@link #kMajor}) where {@link #prefersKMajor}, else the rows as they are. Returns
   * {@code b} itself where it already is that layout (row-major at offset 0: no copy each step),
   * else writes into {@code t} (a new array when it is too short or is {@code b}) and returns it.
   */
  public final long[] laidOut(long[] b, int bOff, int n, int words, long[] t) {
    boolean kMajor = prefersKMajor(words, n);
    if (!kMajor && bOff == 0) {
      return b;
    }
    if (t.length < n * words || t == b) {
      t = new long[n * words];
    }
    if (kMajor) {
      return kMajor(b, bOff, n, words, t);
    }
    System.arraycopy(b, bOff, t, 0, n * words);
    return t;
  }

  /**
   * {@code c[cOff + i*ldc + j] = a_i · b_j} against {@code n} rows in {@link #laidOut}'s layout: the
   * k-major product or {@link #gemm}, whichever this kernel prefers for the shape.
   */
  public final void dots(long[] a, int aOff, int m, long[] laidOut, int n, int words, int bits, int[] c, int cOff, int ldc) {
    if (prefersKMajor(words, n)) {
      gemmKMajor(a, aOff, m, laidOut, n, words, bits, c, cOff, ldc);
    } else {
      gemm(a, aOff, m, laidOut, 0, n, words, bits, c, cOff, ldc);
    }
  }

  /** The k-major form of {@code n} packed rows of {@code words} longs at {@code b[bOff]} into {@code t}: word k of row j at {@code [k·n + j]}. */
  static long[] kMajor(long[] b, int bOff, int n, int words, long[] t) {
    for (int j = 0; j < n; j++) {
      for (int k = 0; k < words; k++) {
        t[k * n + j] = b[bOff + j * words + k];
      }
    }
    return t;
  }

  /** The portable k-major product: per row, the popcounts accumulate across the columns (a loop C2 may vectorize). */
  static void scalarKMajor(long[] a, int aOff, int m, long[] bT, int n, int words, int bits, int[] c, int cOff, int ldc) {
    for (int i = 0; i < m; i++) {
      int row = cOff + i * ldc;
      java.util.Arrays.fill(c, row, row + n, 0);
      for (int k = 0; k < words; k++) {
        long x = a[aOff + i * words + k];
        int col = k * n;
        for (int j = 0; j < n; j++) {
          c[row + j] += Long.bitCount(x ^ bT[col + j]);
        }
      }
      for (int j = 0; j < n; j++) {
        c[row + j] = bits - 2 * c[row + j];
      }
    }
  }

  /** Dot product of two packed vectors of {@code bits} values. */
  public static int dot(long[] a, int aOff, long[] b, int bOff, int bits) {
    int words = BitPacking.words(bits);
    int pop = 0;
    for (int k = 0; k < words; k++) {
      pop += Long.bitCount(a[aOff + k] ^ b[bOff + k]);
    }
    return bits - 2 * pop;
  }

  /**
   * Computes the products of {@code m} rows of {@code a} with the {@code n} rows of {@code b} and
   * writes their thresholded signs packed: row i of the result is {@code words(n)} longs at
   * {@code out[outOff + i*words(n)]}. {@code scratch} must hold at least {@code rowsPerChunk * n} ints.
   */
  public void gemmThresholded(long[] a, int aOff, int m, long[] b, int bOff, int n, int words, int bits,
      SignThresholds thresholds, long[] out, int outOff, int[] scratch) {
    int outWords = BitPacking.words(n);
    int chunk = Math.max(1, Math.min(m, scratch.length / Math.max(1, n)));
    for (int i0 = 0; i0 < m; i0 += chunk) {
      int rows = Math.min(chunk, m - i0);
      gemm(a, aOff + i0 * words, rows, b, bOff, n, words, bits, scratch, 0, n);
      for (int r = 0; r < rows; r++) {
        thresholds.pack(scratch, r * n, out, outOff + (i0 + r) * outWords);
      }
    }
  }

  private static final BinaryGemm BEST = select();

  /** The fastest kernel this JVM can run (vector where {@code BIT_COUNT} exists, else scalar). */
  public static BinaryGemm best() {
    return BEST;
  }

  /** The portable scalar kernel, always available. */
  public static BinaryGemm portable() {
    return ScalarBinaryGemm4x2.INSTANCE;
  }

  /** The vector kernel, or null when this JVM lacks {@code jdk.incubator.vector} or {@code BIT_COUNT}. */
  public static BinaryGemm vectorOrNull() {
    try {
      return VectorBinaryGemm2x2.available() ? VectorBinaryGemm2x2.INSTANCE : null;
    } catch (LinkageError e) { // module not added to this JVM
      return null;
    }
  }

  private static BinaryGemm select() {
    return KernelChoice.pick(BinaryGemm::vectorOrNull, portable());
  }
}
