package org.bnnspark.inference;

import org.bnnspark.bits.BitPacking;
import org.bnnspark.bits.LevelDots;
import org.bnnspark.inference.PackedModel.Representation;
import org.bnnspark.nn.NetworkSpec;

/**
 * A first binary dense layer on the network's 8-bit input levels, in exact integers:
 * {@code dots = Σ_i (2q_i − 255)·w_ij = 2·(2P_j − T) − 255·Σ_i w_ij}, with the positive sums
 * {@code P_j} and level total {@code T} from the {@link LevelDots} kernel (which skips zero levels)
 * and the weights' column sums precomputed. The dots' float value is {@code dot / 256} exactly
 * ({@link NetworkSpec#scaleInput}).
 */
final class LevelDenseOp extends StageOp {
  private final LevelDots levelKernel = LevelDots.best();
  /** The positive-weight mask transposed to {@code in × out} bytes. */
  private final byte[] maskT;
  private final int[] columnSums;
  private final Epilogue epilogue;
  private int[] levels = new int[0];
  private int[] dots = new int[0];

  LevelDenseOp(PackedStage st, Representation input, long[] rows) {
    super(st, input);
    epilogue = new Epilogue(st);
    int in = st.in();
    int features = st.features();
    int words = BitPacking.words(in);
    maskT = new byte[in * features];
    columnSums = new int[features];
    for (int j = 0; j < features; j++) {
      for (int i = 0; i < in; i++) {
        boolean plus = BitPacking.bit(rows, j * words, i);
        maskT[i * features + j] = plus ? (byte) -1 : 0;
        columnSums[j] += plus ? 1 : -1;
      }
    }
  }

  @Override
  void allocate(int n) {
    epilogue.allocateOutput(out, n);
    levels = new int[n * st.in()];
    dots = new int[n * st.features()];
  }

  @Override
  void compute(Activations in, int n) {
    int size = st.in();
    int features = st.features();
    for (int i = 0, end = n * size; i < end; i++) {
      levels[i] = NetworkSpec.level(in.floats[i]);
    }
    for (int r = 0; r < n; r++) {
      int base = r * features;
      int total = levelKernel.positiveSums(levels, r * size, size, maskT, features, dots, base);
      for (int j = 0; j < features; j++) {
        dots[base + j] = 2 * (2 * dots[base + j] - total) - (NetworkSpec.INPUT_LEVELS - 1) * columnSums[j];
      }
    }
    epilogue.dots(dots, n, 1f / NetworkSpec.INPUT_LEVELS, null, out, 0);
  }
}
