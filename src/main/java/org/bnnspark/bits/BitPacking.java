package org.bnnspark.bits;

/**
 * Packs ±1 vectors 64 to a {@code long}.
 *
 * <p>Convention, used by every kernel: {@code sign(x) = +1 if x >= 0 else -1}; value {@code i} of a
 * vector lives in bit {@code i & 63} (least significant first) of word {@code i >>> 6}; a set bit
 * means +1, a clear bit −1. Padding bits past the vector's length are always 0 in every packed
 * operand, so {@code a XOR w} is 0 there and padding never counts in a popcount.
 */
public final class BitPacking {
  private BitPacking() {}

  /** Number of 64-bit words that hold {@code n} bits. */
  public static int words(int n) {
    return (n + 63) >>> 6;
  }

  /** The sign function every part of the project agrees on: +1 for x ≥ 0 (and −0), else −1. */
  public static float sign(float x) {
    return x >= 0f ? 1f : -1f;
  }

  /** Packs {@code n} values of {@code x} from {@code xOff} into {@code words(n)} words at {@code out[outOff]}. */
  public static void pack(float[] x, int xOff, int n, long[] out, int outOff) {
    int full = n >>> 6;
    if (VECTOR) {
      for (int w = 0; w < full; w++) {
        out[outOff + w] = VectorSignPack.packWord(x, xOff + (w << 6));
      }
    } else {
      for (int w = 0; w < full; w++) {
        out[outOff + w] = packWordScalar(x, xOff + (w << 6), 64);
      }
    }
    int tail = n & 63;
    if (tail != 0) {
      out[outOff + full] = packWordScalar(x, xOff + (full << 6), tail);
    }
  }

  private static final boolean VECTOR = KernelChoice.pick(() -> VectorSignPack.available() ? Boolean.TRUE : null, Boolean.FALSE);

  /**
   * Packs {@code cols} values at {@code x[xOff]} that are each {@code +c}, {@code −c} or 0 (c > 0):
   * the +c mask into {@code plus[outOff…]}, the −c mask into {@code minus[minusOff + outOff…]}
   * (both may be one array), padding bits zero. Returns false as soon as a value is anything else
   * (the masks are then unspecified).
   */
  public static boolean packTernary(float[] x, int xOff, int cols, float c, long[] plus, long[] minus, int outOff, int minusOff) {
    int full = cols >>> 6;
    int w = 0;
    if (VECTOR) {
      for (; w < full; w++) {
        if (!VectorSignPack.packTernaryWord(x, xOff + (w << 6), c, plus, minus, outOff + w, minusOff + outOff + w)) {
          return false;
        }
      }
    }
    for (; w < words(cols); w++) {
      if (!packTernaryScalar(x, xOff + (w << 6), Math.min(64, cols - (w << 6)), c, plus, minus, outOff + w, minusOff + outOff + w)) {
        return false;
      }
    }
    return true;
  }

  /** The portable twin of {@link VectorSignPack#packTernaryWord}, for up to 64 values (masks at {@code plus[at]}, {@code minus[minusAt]}). */
  static boolean packTernaryScalar(float[] x, int from, int count, float c, long[] plus, long[] minus, int at, int minusAt) {
    long p = 0L;
    long q = 0L;
    boolean ok = true;
    for (int b = 0; b < count; b++) {
      float v = x[from + b];
      ok &= v == c | v == -c | v == 0f;
      p |= (v == c ? 1L : 0L) << b;
      q |= (v == -c ? 1L : 0L) << b;
    }
    plus[at] = p;
    minus[minusAt] = q;
    return ok;
  }

  /**
   * The binarized copy of {@code n} latent weights from {@code w[off]} into {@code signs[sOff…]}:
   * {@code copySign(1, w + 0)} (+1 for ±0: adding +0 turns −0 into +0); returns {@code max |w|} (NaN
   * when a weight is NaN). By vector where {@link #pack} is, bit for bit the scalar loop.
   */
  public static float binarize(float[] w, int off, int n, float[] signs, int sOff) {
    int i = VECTOR ? n - n % 64 : 0;
    float maxAbs = i > 0 ? VectorSignPack.binarize(w, off, i, signs, sOff) : 0f;
    for (; i < n; i++) {
      float v = w[off + i];
      signs[sOff + i] = Math.copySign(1f, v + 0f); // branch-free: latent signs are random, a branch mispredicts half the time
      maxAbs = Math.max(maxAbs, Math.abs(v));
    }
    return maxAbs;
  }

  /**
   * {@link #binarize} of a {@code rows × cols} weight matrix from {@code w[off]}, row by row, each
   * row's signs also packed into its {@code words(cols)} words of {@code packed} while they are in
   * cache (what {@link #packRows} of the signs gives); returns {@code max |w|}.
   */
  public static float binarizeRows(float[] w, int off, int rows, int cols, float[] signs, long[] packed) {
    float maxAbs = 0f;
    for (int r = 0; r < rows; r++) {
      maxAbs = Math.max(maxAbs, binarize(w, off + r * cols, cols, signs, r * cols));
      pack(signs, r * cols, cols, packed, r * words(cols));
    }
    return maxAbs;
  }

  /** Clips {@code w[from … from+n)} to [−1, 1] (latent weights after an update); NaN stays NaN. Bit for bit the scalar loop. */
  public static void clip(float[] w, int from, int n) {
    int i = VECTOR ? n - n % 64 : 0;
    if (i > 0) {
      VectorSignPack.clip(w, from, i);
    }
    for (; i < n; i++) {
      float v = w[from + i];
      w[from + i] = v > 1f ? 1f : (v < -1f ? -1f : v);
    }
  }

  /** {@code y[i] = sign(x[i])} for {@code i < n} ({@link #sign}: NaN gives −1); by vector where {@link #pack} is, bit for bit the scalar loop. */
  public static void signs(float[] x, float[] y, int n) {
    int i = VECTOR ? n - n % 64 : 0;
    if (i > 0) {
      VectorSignPack.signs(x, y, i);
    }
    for (; i < n; i++) {
      y[i] = sign(x[i]);
    }
  }

  /**
   * The straight-through estimator's backward: {@code dx[i] = dy[i] · (|x[i]| ≤ 1 ? 1 : 0)} for
   * {@code i < n} — a product, so a negative {@code dy} outside gives −0 and NaN stays NaN, as the
   * per-element {@code dy · Q'(x)} does; by vector where {@link #pack} is.
   */
  public static void passInsideUnit(float[] x, float[] dy, float[] dx, int n) {
    int i = VECTOR ? n - n % 64 : 0;
    if (i > 0) {
      VectorSignPack.passInsideUnit(x, dy, dx, i);
    }
    for (; i < n; i++) {
      dx[i] = dy[i] * (Math.abs(x[i]) <= 1f ? 1f : 0f);
    }
  }

  /** The name of the packing kernel in use (for benchmark lines). */
  public static String packerName() {
    return VECTOR ? "VectorSignPack" : "ScalarSignPack";
  }

  /** The portable packer of up to 64 values: branch-free, the reference of {@link VectorSignPack}. */
  static long packWordScalar(float[] x, int from, int count) {
    long bits = 0L;
    for (int b = 0; b < count; b++) {
      bits |= (x[from + b] >= 0f ? 1L : 0L) << b;
    }
    return bits;
  }

  /** Packs a row-major {@code rows × cols} matrix; each row takes {@code words(cols)} words. */
  public static long[] packRows(float[] x, int rows, int cols) {
    long[] out = new long[rows * words(cols)];
    packRows(x, 0, rows, cols, out, 0);
    return out;
  }

  /** Packs {@code rows} rows of {@code cols} values starting at {@code x[xOff]} into {@code out[outOff]}. */
  public static void packRows(float[] x, int xOff, int rows, int cols, long[] out, int outOff) {
    int w = words(cols);
    for (int r = 0; r < rows; r++) {
      pack(x, xOff + r * cols, cols, out, outOff + r * w);
    }
  }

  /** Packs a whole vector. */
  public static long[] pack(float[] x) {
    long[] out = new long[words(x.length)];
    pack(x, 0, x.length, out, 0);
    return out;
  }

  /** Unpacks {@code n} bits into ±1 floats. */
  public static float[] unpack(long[] packed, int off, int n) {
    float[] out = new float[n];
    for (int i = 0; i < n; i++) {
      out[i] = bit(packed, off, i) ? 1f : -1f;
    }
    return out;
  }

  /** Whether value {@code i} of the vector packed at {@code packed[off]} is +1. */
  public static boolean bit(long[] packed, int off, int i) {
    return ((packed[off + (i >>> 6)] >>> (i & 63)) & 1L) != 0;
  }

  /** Mask of the valid bits in the last word of an {@code n}-bit vector (all ones when n % 64 == 0). */
  public static long tailMask(int n) {
    int tail = n & 63;
    return tail == 0 ? -1L : (1L << tail) - 1;
  }

  /**
   * Copies {@code count} bits starting at bit {@code srcBit} of {@code src} to bit {@code dstBit} of
   * {@code dst} (bit {@code b} is bit {@code b & 63} of word {@code b >>> 6}); the other bits of
   * {@code dst} keep their values. Unaligned runs move a word at a time: this is how a packed image's
   * pixels (each {@code channels} bits) are gathered into bit-im2col rows.
   */
  public static void copyBits(long[] src, long srcBit, long[] dst, long dstBit, int count) {
    transfer(src, srcBit, dst, dstBit, count, false);
  }

  /** Like {@link #copyBits} but ORs the bits into {@code dst} (the maximum of ±1 values). */
  public static void orBits(long[] src, long srcBit, long[] dst, long dstBit, int count) {
    transfer(src, srcBit, dst, dstBit, count, true);
  }

  private static void transfer(long[] src, long srcBit, long[] dst, long dstBit, int count, boolean or) {
    while (count > 0) {
      int shift = (int) (dstBit & 63);
      int chunk = Math.min(count, 64 - shift);
      long mask = (chunk == 64 ? -1L : (1L << chunk) - 1) << shift;
      long v = (readBits(src, srcBit, chunk) << shift) & mask;
      int w = (int) (dstBit >>> 6);
      dst[w] = or ? dst[w] | v : (dst[w] & ~mask) | v;
      srcBit += chunk;
      dstBit += chunk;
      count -= chunk;
    }
  }

  /** The {@code count ≤ 64} bits starting at bit {@code bit} of {@code src}, in the low bits of the result. */
  public static long readBits(long[] src, long bit, int count) {
    int w = (int) (bit >>> 6);
    int shift = (int) (bit & 63);
    long v = src[w] >>> shift;
    if (shift != 0 && shift + count > 64) {
      v |= src[w + 1] << (64 - shift);
    }
    return count == 64 ? v : v & ((1L << count) - 1);
  }
}
