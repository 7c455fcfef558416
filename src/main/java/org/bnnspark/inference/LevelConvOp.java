package org.bnnspark.inference;

import org.bnnspark.bits.BitPacking;
import org.bnnspark.bits.LevelDots;
import org.bnnspark.inference.PackedModel.Representation;
import org.bnnspark.nn.ConvGeometry;
import org.bnnspark.nn.NetworkSpec;

/**
 * A first binary convolution on the network's 8-bit input levels, as a direct integer convolution,
 * image by image. With {@code x = (2q − 255)/256} ({@link NetworkSpec#scaleInput}) and zero padding,
 * output position p of filter j is
 *
 * <pre>
 *   256 · y_pj = Σ_{taps t inside} (2q_t − 255)·w_jt = 2·Σ_{t inside} q_t·w_jt − 255·S_pj,   S_pj = Σ_{t inside} w_jt
 * </pre>
 *
 * exact in integers — and in the training graph's float sums too, since every partial sum is a
 * multiple of 2⁻⁸ far below 2²⁴ — so the dots fold into thresholds like a hidden layer's. The
 * first sum is built from the input's side: each non-zero level (most of an image's pixels are 0)
 * is spread, times its taps' weights, over the positions whose windows hold it, all filters at once
 * ({@link LevelDots#scatter}) onto {@code −255·S}, which is fixed per position and filter and computed once.
 */
final class LevelConvOp extends StageOp {
  private final ConvGeometry g;
  /** ±1 weights, tap-major: {@code [t·features + j]} with t the bit of a filter's packed row. */
  private final int[] weightsT;
  /** {@code −255·S_pj}: where every position's sum starts. */
  private final int[] levelFreeSums;
  /**
   * Where each input value lands, computed once (an indirection table, as in indirect convolution,
   * read from the input's side): entries {@code scatterStart[i] … scatterStart[i+1])} give every
   * output position whose window holds input i, and the weight row of the tap it sits at.
   */
  private final int[] scatterStart;
  private final int[] scatterTarget;
  private final int[] scatterRow;
  private final Epilogue epilogue;
  private final int[] levels;
  private final int[] sums;
  private final LevelDots kernel = LevelDots.best();

  LevelConvOp(PackedStage st, Representation input, long[] rows) {
    super(st, input);
    g = st.conv();
    int f = st.features();
    int patch = g.patchSize();
    int words = BitPacking.words(patch);
    weightsT = new int[patch * f];
    for (int j = 0; j < f; j++) {
      for (int t = 0; t < patch; t++) {
        weightsT[t * f + j] = BitPacking.bit(rows, j * words, t) ? 1 : -1;
      }
    }
    int c = g.input().channels();
    int[] insideSums = new int[g.positions() * f];
    int[] perInput = new int[st.in() + 1];
    int[] inputOf = new int[g.positions() * patch];
    int[] rowOf = new int[g.positions() * patch];
    int[] positionOf = new int[g.positions() * patch];
    int entries = 0;
    for (int oy = 0, p = 0; oy < g.outHeight(); oy++) {
      for (int ox = 0; ox < g.outWidth(); ox++, p++) {
        for (int ky = 0, tap = 0; ky < g.kernel(); ky++) {
          for (int kx = 0; kx < g.kernel(); kx++, tap++) {
            int iy = g.inputRow(oy, ky);
            int ix = g.inputColumn(ox, kx);
            if (g.inside(iy, ix)) {
              for (int k = 0, t = tap * c; k < c; k++, t++) {
                inputOf[entries] = (iy * g.input().width() + ix) * c + k;
                perInput[inputOf[entries] + 1]++;
                positionOf[entries] = p;
                rowOf[entries++] = t;
                for (int j = 0; j < f; j++) {
                  insideSums[p * f + j] += weightsT[t * f + j];
                }
              }
            }
          }
        }
      }
    }
    // the same entries grouped by input (a counting sort: positions stay in order within an input)
    for (int i = 0; i < st.in(); i++) {
      perInput[i + 1] += perInput[i];
    }
    scatterStart = perInput.clone();
    scatterTarget = new int[entries];
    scatterRow = new int[entries];
    int[] next = perInput.clone();
    for (int e = 0; e < entries; e++) {
      int at = next[inputOf[e]]++;
      scatterTarget[at] = positionOf[e];
      scatterRow[at] = rowOf[e];
    }
    levelFreeSums = new int[insideSums.length];
    for (int i = 0; i < insideSums.length; i++) {
      levelFreeSums[i] = -(NetworkSpec.INPUT_LEVELS - 1) * insideSums[i];
    }
    epilogue = new Epilogue(st);
    levels = new int[st.in()];
    sums = new int[g.positions() * f];
  }

  @Override
  void allocate(int n) {
    epilogue.allocateOutput(out, n);
  }

  @Override
  void compute(Activations in, int n) {
    int size = st.in();
    int f = st.features();
    for (int r = 0; r < n; r++) {
      for (int i = 0; i < size; i++) {
        levels[i] = NetworkSpec.level(in.floats[r * size + i]);
      }
      System.arraycopy(levelFreeSums, 0, sums, 0, sums.length); // −255·S, then + 2q·w per non-zero level
      for (int i = 0; i < size; i++) {
        int q = levels[i];
        if (q != 0) {
          kernel.scatter(2 * q, scatterRow, scatterTarget, scatterStart[i], scatterStart[i + 1], weightsT, f, sums);
        }
      }
      epilogue.dots(sums, 1, 1f / NetworkSpec.INPUT_LEVELS, null, out, r);
    }
  }
}
