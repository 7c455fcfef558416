package org.bnnspark.bits;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link LevelDots} with the Vector API, register-blocked: the row's non-zero levels are listed once;
 * then for each block of {@code 4·L} weights ({@code L} = the preferred number of 16-bit lanes: 32
 * on AVX-512, 16 on AVX2) four 16-bit accumulators stay in registers while every non-zero level adds
 * its mask, widened from bytes and ANDed with the level, into them — one load, widen, and, add per
 * {@code L} weights and level, no partial sums through memory. An accumulator holds at most 128
 * levels ({@code 128 · 255 = 32,640} fits a signed 16-bit lane), then it is added into the int
 * result. Blocks of one vector and a scalar tail cover the weights past the last whole block.
 */
final class VectorLevelDots extends LevelDots {
  static final VectorLevelDots INSTANCE = new VectorLevelDots();
  private static final VectorSpecies<Short> SHORTS = ShortVector.SPECIES_PREFERRED;
  private static final VectorSpecies<Byte> BYTES =
      VectorSpecies.of(byte.class, VectorShape.forBitSize(SHORTS.vectorBitSize() / 2));
  private static final VectorSpecies<Integer> INTS = IntVector.SPECIES_PREFERRED;
  private static final int LEVELS_PER_PARTIAL = 128;
  private static final int BLOCK = 4;

  /** Per thread: the non-zero levels' mask offsets and values, and one flushed accumulator. */
  private static final class Scratch {
    int[] offsets = new int[0];
    short[] values = new short[0];
    final short[] flush = new short[SHORTS.length()];
  }

  private final ThreadLocal<Scratch> scratch = ThreadLocal.withInitial(Scratch::new);

  static boolean available() {
    return SHORTS.length() >= 16 && BYTES.length() == SHORTS.length();
  }

  @Override
  public String name() {
    return "VectorLevelDots(" + SHORTS.vectorBitSize() + "-bit)";
  }

  @Override
  public int positiveSums(int[] levels, int lOff, int in, byte[] mask, int out, int[] p, int pOff) {
    Scratch s = scratch.get();
    if (s.offsets.length < in) {
      s.offsets = new int[in];
      s.values = new short[in];
    }
    int[] offsets = s.offsets;
    short[] values = s.values;
    int count = 0;
    int total = 0;
    for (int i = 0; i < in; i++) {
      int q = levels[lOff + i];
      if (q != 0) {
        offsets[count] = i * out;
        values[count++] = (short) q;
        total += q;
      }
    }
    java.util.Arrays.fill(p, pOff, pOff + out, 0);
    int lanes = SHORTS.length();
    int j = 0;
    for (; j + BLOCK * lanes <= out; j += BLOCK * lanes) {
      for (int from = 0; from < count; from += LEVELS_PER_PARTIAL) {
        int to = Math.min(count, from + LEVELS_PER_PARTIAL);
        ShortVector a0 = ShortVector.zero(SHORTS);
        ShortVector a1 = a0;
        ShortVector a2 = a0;
        ShortVector a3 = a0;
        for (int e = from; e < to; e++) {
          int m = offsets[e] + j;
          short q = values[e];
          a0 = a0.add(widen(mask, m).and(q));
          a1 = a1.add(widen(mask, m + lanes).and(q));
          a2 = a2.add(widen(mask, m + 2 * lanes).and(q));
          a3 = a3.add(widen(mask, m + 3 * lanes).and(q));
        }
        addInto(a0, p, pOff + j, s.flush);
        addInto(a1, p, pOff + j + lanes, s.flush);
        addInto(a2, p, pOff + j + 2 * lanes, s.flush);
        addInto(a3, p, pOff + j + 3 * lanes, s.flush);
      }
    }
    for (; j + lanes <= out; j += lanes) {
      for (int from = 0; from < count; from += LEVELS_PER_PARTIAL) {
        int to = Math.min(count, from + LEVELS_PER_PARTIAL);
        ShortVector a = ShortVector.zero(SHORTS);
        for (int e = from; e < to; e++) {
          a = a.add(widen(mask, offsets[e] + j).and(values[e]));
        }
        addInto(a, p, pOff + j, s.flush);
      }
    }
    for (; j < out; j++) {
      int sum = 0;
      for (int e = 0; e < count; e++) {
        sum += values[e] & mask[offsets[e] + j];
      }
      p[pOff + j] = sum;
    }
    return total;
  }

  private static ShortVector widen(byte[] mask, int offset) {
    return (ShortVector) ByteVector.fromArray(BYTES, mask, offset).convertShape(VectorOperators.B2S, SHORTS, 0);
  }

  /** Adds a 16-bit accumulator's lanes into {@code p[offset …)}: widened to two int vectors where they fit. */
  private static void addInto(ShortVector sums, int[] p, int offset, short[] flush) {
    if (INTS.length() * 2 == SHORTS.length()) {
      IntVector lo = (IntVector) sums.convertShape(VectorOperators.S2I, INTS, 0);
      IntVector hi = (IntVector) sums.convertShape(VectorOperators.S2I, INTS, 1);
      lo.add(IntVector.fromArray(INTS, p, offset)).intoArray(p, offset);
      hi.add(IntVector.fromArray(INTS, p, offset + INTS.length())).intoArray(p, offset + INTS.length());
      return;
    }
    sums.intoArray(flush, 0);
    for (int k = 0; k < flush.length; k++) {
      p[offset + k] += flush[k];
    }
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
