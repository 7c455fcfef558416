package org.bnnspark.inference;

import org.bnnspark.bits.BinaryGemm;
import org.bnnspark.inference.PackedModel.Representation;
import org.bnnspark.nn.ConvGeometry;

/**
 * A binary convolution on packed ±1 bits, image by image (its windows and dots stay in cache):
 * bit-im2col gathers each output position's window into a packed row ({@link WindowGather}),
 * XNOR-popcount against the filters with their padding correction ({@link BinaryFilters}), then the
 * {@link Epilogue}.
 */
class XnorConvOp extends StageOp {
  final ConvGeometry g;
  private final WindowGather gather;
  private final BinaryFilters filters;
  final Epilogue epilogue;
  long[] windows = new long[0];
  int[] dots = new int[0];

  XnorConvOp(PackedStage st, Representation input, BinaryGemm kernel, long[] rows) {
    super(st, input);
    this.g = st.conv();
    this.gather = new WindowGather(g);
    this.filters = new BinaryFilters(kernel, rows, 0, st.features(), g.patchSize(), g);
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
    windows = new long[rows * gather.words];
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
    for (int r = 0; r < count; r++) {
      gather.gather(bits, first + r, windows, r * g.positions() * gather.words);
    }
    filters.dots(windows, count * g.positions(), dots);
  }
}
