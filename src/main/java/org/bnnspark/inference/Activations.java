package org.bnnspark.inference;

import org.bnnspark.bits.BitPacking;

/**
 * What one packed operation hands the next, for a batch of examples: floats ({@code n × size}),
 * or packed bits ({@code n × words(size)}, each example's row starting on a word), as the producing
 * stage's output representation says. The buffers belong to the producer and are reused batch to
 * batch.
 */
final class Activations {
  float[] floats;
  long[] bits;

  static Activations ofFloats(float[] x) {
    Activations a = new Activations();
    a.floats = x;
    return a;
  }

  /** ±1 floats of {@code n} packed rows of {@code count} bits, into {@code dst}. */
  static void unpack(long[] bits, int count, int n, float[] dst) {
    int words = BitPacking.words(count);
    for (int r = 0; r < n; r++) {
      unpackRow(bits, r * words, count, dst, r * count);
    }
  }

  static void unpackRow(long[] bits, int off, int count, float[] dst, int dOff) {
    for (int i = 0; i < count; i++) {
      dst[dOff + i] = BitPacking.bit(bits, off, i) ? 1f : -1f;
    }
  }
}
