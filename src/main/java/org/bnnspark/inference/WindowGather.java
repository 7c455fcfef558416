package org.bnnspark.inference;

import java.util.Arrays;
import org.bnnspark.bits.BitPacking;
import org.bnnspark.nn.ConvGeometry;
import org.bnnspark.nn.Shape;

/**
 * Bit-im2col: the packed counterpart of {@link ConvGeometry#im2col}. Window row p of an image holds
 * its window's pixels' channel bits in the graph's order (tap-major, channels inside), one row of
 * {@code words(patch)} words per output position; a padding tap is bit 0 (−1), which the filters'
 * padding correction ({@link BinaryFilters}) takes out again.
 *
 * <p>For pixels of at most 64 channels the windows come from a plan made once: each pixel's channel
 * bits are read once, then every window word is assembled from its taps' pixels at fixed shifts,
 * a padding tap reading a zero pixel. Wider pixels are copied tap by tap.
 */
final class WindowGather {
  final ConvGeometry g;
  final int words;
  /** Per position and tap, the input pixel it reads (the zero pixel past the last one for padding); null for wide pixels. */
  private final int[] tapPixel;
  /** Per tap, the window word and shift its bits land at and whether they spill into the next word. */
  private final int[] tapWord;
  private final int[] tapShift;
  private final boolean[] tapSpills;
  /** One image's pixels' channel bits, and the zero pixel. */
  private final long[] pixelBits;

  WindowGather(ConvGeometry g) {
    this.g = g;
    this.words = BitPacking.words(g.patchSize());
    int c = g.input().channels();
    int taps = g.kernel() * g.kernel();
    if (c > 64) {
      tapPixel = null;
      tapWord = null;
      tapShift = null;
      tapSpills = null;
      pixelBits = null;
      return;
    }
    tapPixel = new int[g.positions() * taps];
    for (int oy = 0, plan = 0; oy < g.outHeight(); oy++) {
      for (int ox = 0; ox < g.outWidth(); ox++) {
        for (int ky = 0; ky < g.kernel(); ky++) {
          for (int kx = 0; kx < g.kernel(); kx++, plan++) {
            int iy = g.inputRow(oy, ky);
            int ix = g.inputColumn(ox, kx);
            tapPixel[plan] = g.inside(iy, ix) ? iy * g.input().width() + ix : g.input().positions();
          }
        }
      }
    }
    tapWord = new int[taps];
    tapShift = new int[taps];
    tapSpills = new boolean[taps];
    for (int t = 0; t < taps; t++) {
      tapWord[t] = t * c >>> 6;
      tapShift[t] = t * c & 63;
      tapSpills[t] = tapShift[t] + c > 64;
    }
    pixelBits = new long[g.input().positions() + 1];
  }

  /** The windows of image {@code image} of {@code bits} (packed rows of the input's size) into {@code windows} from word {@code off}. */
  void gather(long[] bits, int image, long[] windows, int off) {
    if (tapPixel == null) {
      bitIm2col(bits, image, windows, off);
      return;
    }
    int c = g.input().channels();
    int pixels = g.input().positions();
    long start = (long) image * BitPacking.words(g.input().size()) * 64;
    for (int i = 0; i < pixels; i++) {
      pixelBits[i] = BitPacking.readBits(bits, start + (long) i * c, c);
    }
    int taps = tapWord.length;
    Arrays.fill(windows, off, off + g.positions() * words, 0L);
    for (int p = 0, plan = 0; p < g.positions(); p++) {
      int base = off + p * words;
      for (int t = 0; t < taps; t++, plan++) {
        long v = pixelBits[tapPixel[plan]];
        int w = base + tapWord[t];
        windows[w] |= v << tapShift[t];
        if (tapSpills[t]) {
          windows[w + 1] |= v >>> (64 - tapShift[t]);
        }
      }
    }
  }

  private void bitIm2col(long[] bits, int image, long[] cols, int colsOff) {
    Shape in = g.input();
    int c = in.channels();
    long start = (long) image * BitPacking.words(in.size()) * 64;
    Arrays.fill(cols, colsOff, colsOff + g.positions() * words, 0L);
    for (int oy = 0, row = 0; oy < g.outHeight(); oy++) {
      for (int ox = 0; ox < g.outWidth(); ox++, row++) {
        long dst = ((long) colsOff + (long) row * words) * 64;
        for (int ky = 0; ky < g.kernel(); ky++) {
          int iy = g.inputRow(oy, ky);
          for (int kx = 0; kx < g.kernel(); kx++, dst += c) {
            int ix = g.inputColumn(ox, kx);
            if (g.inside(iy, ix)) {
              BitPacking.copyBits(bits, start + (long) (iy * in.width() + ix) * c, cols, dst, c);
            }
          }
        }
      }
    }
  }
}
