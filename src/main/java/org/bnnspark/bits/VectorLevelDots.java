package org.bnnspark.bits;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link LevelDots} with the Vector API: per non-zero level, 16 weights' masks are widened from
 * bytes to 16-bit lanes, ANDed with the level and added to 16-bit partial sums. A partial sum holds
 * at most 128 levels (128 · 255 = 32,640 fits in 16 bits), then it is added into the int result.
 * Measured on the quick-start first layer (784 → 512, MNIST levels): ~6.5 µs per row against ~50 for
 * the scalar kernel.
 */
final class VectorLevelDots extends LevelDots {
  static final VectorLevelDots INSTANCE = new VectorLevelDots();
  private static final VectorSpecies<Short> SHORTS = ShortVector.SPECIES_256;
  private static final VectorSpecies<Byte> BYTES = ByteVector.SPECIES_128;
  private static final VectorSpecies<Integer> INTS = IntVector.SPECIES_PREFERRED;
  private static final int LEVELS_PER_PARTIAL = 128;
  private final ThreadLocal<short[]> partial = ThreadLocal.withInitial(() -> new short[0]);

  static boolean available() {
    return SHORTS.length() == 16 && BYTES.length() == 16;
  }

  @Override
  public String name() {
    return "VectorLevelDots(256-bit)";
  }

  @Override
  public int positiveSums(int[] levels, int lOff, int in, byte[] mask, int out, int[] p, int pOff) {
    short[] part = partial.get();
    if (part.length < out) {
      part = new short[out];
      partial.set(part);
    }
    java.util.Arrays.fill(p, pOff, pOff + out, 0);
    int vecEnd = out - out % SHORTS.length();
    int total = 0;
    int i = 0;
    while (i < in) {
      java.util.Arrays.fill(part, 0, out, (short) 0);
      for (int count = 0; i < in && count < LEVELS_PER_PARTIAL; i++) {
        int q = levels[lOff + i];
        if (q == 0) {
          continue;
        }
        count++;
        total += q;
        short qs = (short) q;
        int m = i * out;
        int j = 0;
        for (; j < vecEnd; j += 16) {
          ShortVector w = (ShortVector) ByteVector.fromArray(BYTES, mask, m + j).convertShape(VectorOperators.B2S, SHORTS, 0);
          ShortVector.fromArray(SHORTS, part, j).add(w.and(qs)).intoArray(part, j);
        }
        for (; j < out; j++) {
          part[j] += (short) (q & mask[m + j]);
        }
      }
      for (int j = 0; j < out; j++) {
        p[pOff + j] += part[j] & 0xFFFF;
      }
    }
    return total;
  }

  /** Int lanes over the filters; the filters past the last whole vector run scalar. */
  @Override
  public void scatter(int q, int[] rows, int[] targets, int from, int to, int[] w, int f, int[] sums) {
    int lanes = INTS.length();
    int vectorEnd = f - f % lanes;
    for (int e = from; e < to; e++) {
      int row = rows[e] * f;
      int target = targets[e] * f;
      for (int j = 0; j < vectorEnd; j += lanes) {
        IntVector.fromArray(INTS, w, row + j).mul(q).add(IntVector.fromArray(INTS, sums, target + j)).intoArray(sums, target + j);
      }
    }
    if (vectorEnd < f) {
      scalarScatter(q, rows, targets, from, to, w, vectorEnd, f, sums);
    }
  }
}
