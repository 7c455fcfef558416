package org.bnnspark.inference;

import java.util.Arrays;
import org.bnnspark.bits.BinaryGemm;
import org.bnnspark.bits.BitPacking;
import org.bnnspark.inference.PackedModel.Representation;
import org.bnnspark.nn.ConvGeometry;
import org.bnnspark.nn.Shape;

/**
 * A binary convolution on packed ±1 bits, image by image (its windows and dots stay in cache):
 * bit-im2col gathers each output position's window into a packed row, XNOR-popcount against the
 * filters — in the k-major form where the rows are short ({@link BinaryGemm#gemmKMajor}) — then
 * the padding correction and the {@link Epilogue}.
 *
 * <p><b>Padding.</b> The training graph pads with zeros, which add nothing to a dot. Bit-im2col fills
 * a padding tap with −1 (bit 0), which adds {@code −Σ w} over the padding taps; adding back
 * {@code Σ w} over them — fixed per output position and filter — makes the dot exact.
 */
class XnorConvOp extends StageOp {
  final BinaryGemm kernel;
  final ConvGeometry g;
  final int words;
  private final boolean kMajor;
  /** The filters as the kernel reads them: packed rows, or their k-major form. */
  private final long[] filters;
  /** {@code Σ w} over the padding taps, per output position and filter, or null without padding. */
  private final int[] correction;
  /** Runs {@code [start, end)} of an image's dots whose positions reach into the padding (where the correction is not 0). */
  private final int[] correctionRuns;
  /**
   * The gather plan for pixels of ≤ 64 channels (else null): per position and tap, the input pixel
   * it reads (the zero pixel past the last one for padding); per tap, the window word and shift its
   * bits land at and whether they spill into the next word. {@code pixelBits} holds one image's pixels.
   */
  private final int[] tapPixel;
  private final int[] tapWord;
  private final int[] tapShift;
  private final boolean[] tapSpills;
  private final long[] pixelBits;
  final Epilogue epilogue;
  long[] windows = new long[0];
  int[] dots = new int[0];

  XnorConvOp(PackedStage st, Representation input, BinaryGemm kernel) {
    super(st, input);
    this.kernel = kernel;
    this.g = st.conv();
    this.words = BitPacking.words(g.patchSize());
    this.kMajor = kernel.prefersKMajor(words, st.features());
    this.filters = kMajor ? BinaryGemm.kMajor(st.binaryWeights(), 0, st.features(), words) : st.binaryWeights();
    this.correction = g.padding() > 0 ? paddingCorrection(st, 0) : null;
    this.correctionRuns = correctionRuns(g, st.features());
    int c = g.input().channels();
    int taps = g.kernel() * g.kernel();
    if (c <= 64) {
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
    } else {
      tapPixel = null;
      tapWord = null;
      tapShift = null;
      tapSpills = null;
      pixelBits = null;
    }
    this.epilogue = new Epilogue(st);
  }

  /** Images per chunk: one, so that a chunk's windows and dots stay in cache. */
  int chunk(int n) {
    return 1;
  }

  @Override
  void allocate(int n) {
    epilogue.allocateOutput(out, n);
    int rows = chunk(n) * g.positions();
    windows = new long[rows * words];
    dots = new int[rows * st.features()];
  }

  @Override
  void compute(Activations in, int n) {
    for (int r = 0; r < n; r++) {
      convDots(in.bits, r, 1);
      epilogue.dots(dots, 1, 1f, null, out, r);
    }
  }

  /** The exact dots of {@code count} images from image {@code first} of {@code bits} into {@link #dots}. */
  final void convDots(long[] bits, int first, int count) {
    int f = st.features();
    int rows = count * g.positions();
    for (int r = 0; r < count; r++) {
      if (tapPixel != null) {
        gatherWindows(bits, first + r, r * g.positions() * words);
      } else {
        bitIm2col(g, bits, first + r, windows, r * g.positions() * words);
      }
    }
    if (kMajor) {
      kernel.gemmKMajor(windows, 0, rows, filters, f, words, g.patchSize(), dots, 0, f);
    } else {
      kernel.gemm(windows, 0, rows, filters, 0, f, words, g.patchSize(), dots, 0, f);
    }
    if (correction != null) { // only the positions whose windows reach into the padding, as runs of dots
      for (int r = 0; r < count; r++) {
        int off = r * g.positions() * f;
        for (int k = 0; k < correctionRuns.length; k += 2) {
          for (int i = correctionRuns[k], end = correctionRuns[k + 1]; i < end; i++) {
            dots[off + i] += correction[i];
          }
        }
      }
    }
  }

  /**
   * Bit-im2col of one image for pixels of at most 64 channels, through a plan made once: each
   * pixel's channel bits are read once, then every window word is assembled from its taps' pixels
   * at fixed shifts, a padding tap reading a zero pixel (−1s, corrected later).
   */
  private void gatherWindows(long[] bits, int image, int colsOff) {
    int c = g.input().channels();
    int pixels = g.input().positions();
    long start = (long) image * BitPacking.words(g.input().size()) * 64;
    for (int i = 0; i < pixels; i++) {
      pixelBits[i] = BitPacking.readBits(bits, start + (long) i * c, c);
    }
    int taps = tapWord.length;
    java.util.Arrays.fill(windows, colsOff, colsOff + g.positions() * words, 0L);
    for (int p = 0, plan = 0; p < g.positions(); p++) {
      int base = colsOff + p * words;
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

  /**
   * The packed counterpart of {@link ConvGeometry#im2col} for image {@code image} of {@code bits}:
   * window row p (from word {@code colsOff}) holds the window's pixels' channel bits in the same
   * order; padding taps are bit 0 (−1), which the padding correction removes again.
   */
  static void bitIm2col(ConvGeometry g, long[] bits, int image, long[] cols, int colsOff) {
    Shape in = g.input();
    int c = in.channels();
    long start = (long) image * BitPacking.words(in.size()) * 64;
    int words = BitPacking.words(g.patchSize());
    Arrays.fill(cols, colsOff, colsOff + g.positions() * words, 0L);
    for (int oy = 0, row = 0; oy < g.outHeight(); oy++) {
      for (int ox = 0; ox < g.outWidth(); ox++, row++) {
        long dst = ((long) colsOff + (long) row * words) * 64;
        for (int ky = 0; ky < g.kernel(); ky++) {
          int iy = g.inputRow(oy, ky);
          for (int kx = 0; kx < g.kernel(); kx++, dst += c) {
            int ix = g.inputColumn(ox, kx);
            if (!g.inside(iy, ix)) {
              continue;
            }
            long from = start + (long) (iy * in.width() + ix) * c;
            if (c <= 64) {
              BitPacking.orShortRun(bits, from, cols, dst, c);
            } else {
              BitPacking.copyBits(bits, from, cols, dst, c);
            }
          }
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

  /** The padding correction of the filters' packed rows starting at word {@code weightsOff} (an ABC-Net stage: per weight base). */
  static int[] paddingCorrection(PackedStage st, int weightsOff) {
    ConvGeometry g = st.conv();
    int f = st.features();
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
                correction[p * f + j] += BitPacking.bit(st.binaryWeights(), weightsOff + j * words, tap * c + k) ? 1 : -1;
              }
            }
          }
        }
      }
    }
    return correction;
  }
}
