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

  static boolean available() {
    return 64 % S.length() == 0 && VectorBinaryGemm2x2.available();
  }

  static long packWord(float[] x, int from) {
    long bits = 0L;
    for (int l = 0; l < 64; l += S.length()) {
      bits |= FloatVector.fromArray(S, x, from + l).compare(VectorOperators.GE, 0f).toLong() << l;
    }
    return bits;
  }
}
