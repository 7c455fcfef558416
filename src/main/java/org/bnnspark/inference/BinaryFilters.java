package org.bnnspark.inference;

import org.bnnspark.bits.BinaryGemm;
import org.bnnspark.bits.BitPacking;
import org.bnnspark.nn.ConvGeometry;

/**
 * A set of ±1 filters (or a dense layer's weight rows) prepared once for the XNOR-popcount kernel —
 * packed rows, or their k-major form where the rows are short ({@link BinaryGemm#prefersKMajor}) —
 * with the padding correction of a convolution: exact integer dots of packed rows against them.
 *
 * <p><b>Padding.</b> The training graph pads with zeros, which add nothing to a dot. Bit-im2col fills
 * a padding tap with −1 (bit 0, {@link WindowGather}), which adds {@code −Σ w} over the padding taps;
 * adding back {@code Σ w} over them — fixed per output position and filter — makes the dot exact. It
 * is added only over the runs of positions whose windows reach into the padding.
 */
final class BinaryFilters {
  private final BinaryGemm kernel;
  private final int features;
  private final int words;
  private final int patch;
  private final long[] filters;
  /** Output positions per image of a convolution (1 for a dense product). */
  private final int positions;
  /** {@code Σ w} over the padding taps, per output position and filter, or null without padding. */
  private final int[] correction;
  /** Runs {@code [start, end)} of an image's dots whose positions reach into the padding (where the correction is not 0). */
  private final int[] correctionRuns;

  /**
   * The {@code features} packed rows of {@code patch} bits at word {@code offset} of {@code weights},
   * over the windows of {@code conv} (or over whole rows: null).
   */
  BinaryFilters(BinaryGemm kernel, long[] weights, int offset, int features, int patch, ConvGeometry conv) {
    this.kernel = kernel;
    this.features = features;
    this.patch = patch;
    this.words = BitPacking.words(patch);
    this.filters = kernel.laidOut(weights, offset, features, words, new long[0]);
    this.positions = conv == null ? 1 : conv.positions();
    this.correction = conv != null && conv.padding() > 0 ? paddingCorrection(conv, weights, offset, features) : null;
    this.correctionRuns = correction != null ? correctionRuns(conv, features) : null;
  }

  /** The exact dots of {@code rows} packed rows of {@code windows} ({@code rows × features} into {@code dots}). */
  void dots(long[] windows, int rows, int[] dots) {
    kernel.dots(windows, 0, rows, filters, features, words, patch, dots, 0, features);
    if (correction == null) {
      return;
    }
    for (int off = 0, end = rows * features; off < end; off += positions * features) { // image by image
      for (int k = 0; k < correctionRuns.length; k += 2) {
        for (int i = correctionRuns[k], stop = correctionRuns[k + 1]; i < stop; i++) {
          dots[off + i] += correction[i];
        }
      }
    }
  }

  /** The runs of dots (position · features + filter) whose positions' windows reach into the padding. */
  private static int[] correctionRuns(ConvGeometry g, int f) {
    java.util.List<Integer> runs = new java.util.ArrayList<>();
    for (int p = 0; p < g.positions(); p++) {
      int oy = p / g.outWidth();
      int ox = p % g.outWidth();
      boolean border = !g.inside(g.inputRow(oy, 0), g.inputColumn(ox, 0))
          || !g.inside(g.inputRow(oy, g.kernel() - 1), g.inputColumn(ox, g.kernel() - 1));
      if (!border) {
        continue;
      }
      if (!runs.isEmpty() && runs.get(runs.size() - 1) == p * f) {
        runs.set(runs.size() - 1, (p + 1) * f);
      } else {
        runs.add(p * f);
        runs.add((p + 1) * f);
      }
    }
    return runs.stream().mapToInt(Integer::intValue).toArray();
  }

  private static int[] paddingCorrection(ConvGeometry g, long[] weights, int offset, int f) {
    int c = g.input().channels();
    int words = BitPacking.words(g.patchSize());
    int[] correction = new int[g.positions() * f];
    for (int oy = 0, p = 0; oy < g.outHeight(); oy++) {
      for (int ox = 0; ox < g.outWidth(); ox++, p++) {
        for (int ky = 0, tap = 0; ky < g.kernel(); ky++) {
          for (int kx = 0; kx < g.kernel(); kx++, tap++) {
            if (g.inside(g.inputRow(oy, ky), g.inputColumn(ox, kx))) {
              continue;
            }
            for (int j = 0; j < f; j++) {
              for (int k = 0; k < c; k++) {
                correction[p * f + j] += BitPacking.bit(weights, offset + j * words, tap * c + k) ? 1 : -1;
              }
            }
          }
        }
      }
    }
    return correction;
  }
}
