package org.bnnspark.bits;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Packs 64 signs ({@code x ≥ 0}: bit set, so −0 is +1 and NaN −1) with the Vector API: a lane-wise
 * compare per vector, its mask as bits ({@code VectorMask.toLong}, one {@code kmov} on AVX-512).
 * The portable twin is {@link BitPacking#packWordScalar}; {@link BitPacking#pack} picks this one on
 * JDK 19+ (where the binary GEMM's vector kernel is available too: on 17 the mask conversion is not
 * intrinsified) unless {@code bnn.kernel.portable} is set.
 */
final class VectorSignPack {
  private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;

  private VectorSignPack() {}

  /**
   * JDK 19+ (as for the binary GEMM's vector kernel), read from the runtime version rather than from
   * that kernel: touching its class here would initialize it in the middle of {@link BinaryGemm}'s
   * own initialization and make the selector fall back to the scalar kernel.
   */
  static boolean available() {
    return 64 % S.length() == 0 && S.length() >= 4 && Runtime.version().feature() >= 19;
  }

  /**
   * Masks of 64 values that must each be {@code +c}, {@code −c} or 0: {@code plus[at] = [x = +c]},
   * {@code minus[minusAt] = [x = −c]}; false when one is anything else. Portable twin:
   * {@link BitPacking#packTernaryScalar}.
   */
  static boolean packTernaryWord(float[] x, int from, float c, long[] plus, long[] minus, int at, int minusAt) {
    long p = 0L;
    long q = 0L;
    long bad = 0L;
    for (int l = 0; l < 64; l += S.length()) {
      FloatVector v = FloatVector.fromArray(S, x, from + l);
      var pos = v.compare(VectorOperators.EQ, c);
      var neg = v.compare(VectorOperators.EQ, -c);
      var zero = v.compare(VectorOperators.EQ, 0f);
      p |= pos.toLong() << l;
      q |= neg.toLong() << l;
      bad |= pos.or(neg).or(zero).not().toLong() << l;
    }
    plus[at] = p;
    minus[minusAt] = q;
    return bad == 0L;
  }

  static long packWord(float[] x, int from) {
    long bits = 0L;
    for (int l = 0; l < 64; l += S.length()) {
      bits |= FloatVector.fromArray(S, x, from + l).compare(VectorOperators.GE, 0f).toLong() << l;
    }
    return bits;
  }

  /**
   * {@code signs[i] = copySign(1, w[off+i] + 0)} for {@code i < end} (a multiple of the lanes),
   * lane-wise on the patterns (the sign bit of {@code w + 0} over the pattern of 1.0), and the largest
   * {@code |w|} — a maximum, so the same value in any order. Portable twin: {@link BitPacking#binarize}'s loop.
   */
  static float binarize(float[] w, int off, int end, float[] signs, int sOff) {
    FloatVector max = FloatVector.zero(S);
    for (int i = 0; i < end; i += S.length()) {
      FloatVector v = FloatVector.fromArray(S, w, off + i);
      v.add(0f).reinterpretAsInts().lanewise(VectorOperators.AND, 0x80000000).lanewise(VectorOperators.OR, 0x3f800000)
          .reinterpretAsFloats().intoArray(signs, sOff + i);
      max = max.max(v.abs());
    }
    return max.reduceLanes(VectorOperators.MAX);
  }

  /** {@code w[i] = clamp(w[i], −1, 1)} for {@code i} in {@code [from, from + end)}, {@code end} a multiple of the lanes (NaN stays NaN, as in the scalar twin). */
  static void clip(float[] w, int from, int end) {
    for (int i = from; i < from + end; i += S.length()) {
      FloatVector v = FloatVector.fromArray(S, w, i);
      v.blend(1f, v.compare(VectorOperators.GT, 1f)).blend(-1f, v.compare(VectorOperators.LT, -1f)).intoArray(w, i);
    }
  }

  /** {@code y[i] = x[i] >= 0 ? 1 : −1} for {@code i < end}, a multiple of the lanes. */
  static void signs(float[] x, float[] y, int end) {
    FloatVector minus = FloatVector.broadcast(S, -1f);
    for (int i = 0; i < end; i += S.length()) {
      FloatVector v = FloatVector.fromArray(S, x, i);
      minus.blend(1f, v.compare(VectorOperators.GE, 0f)).intoArray(y, i);
    }
  }

  /** {@code dx[i] = dy[i] · (|x[i]| <= 1 ? 1 : 0)} for {@code i < end}, a multiple of the lanes. */
  static void passInsideUnit(float[] x, float[] dy, float[] dx, int end) {
    FloatVector zero = FloatVector.zero(S);
    for (int i = 0; i < end; i += S.length()) {
      FloatVector inside = zero.blend(1f, FloatVector.fromArray(S, x, i).abs().compare(VectorOperators.LE, 1f));
      FloatVector.fromArray(S, dy, i).mul(inside).intoArray(dx, i);
    }
  }
}
