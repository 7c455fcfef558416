package org.bnnspark.inference;

import org.bnnspark.inference.PackedModel.Representation;
import org.bnnspark.nn.Residual;

/**
 * A real-valued shortcut around inner stages (Bi-Real Net, ReActNet): {@code x + block(x)} in
 * floats through {@link Residual#add}, the block run by a scorer of its own.
 */
final class ResidualOp extends StageOp {
  private final PackedScorer block;
  private float[] unpacked = new float[0];
  private float[] blockOut = new float[0];

  ResidualOp(PackedStage st, Representation input, org.bnnspark.bits.BinaryGemm kernel) {
    super(st, input);
    block = new PackedScorer(PackedModel.block(st), kernel);
  }

  @Override
  void allocate(int n) {
    unpacked = input == Representation.BITS ? new float[n * st.in()] : unpacked;
    blockOut = new float[n * st.out()];
    out.floats = new float[n * st.out()];
  }

  @Override
  void compute(Activations in, int n) {
    float[] x = floatsOf(in, n, unpacked);
    block.logits(x, n, blockOut);
    Residual.add(x, blockOut, out.floats, n * st.out());
  }
}
