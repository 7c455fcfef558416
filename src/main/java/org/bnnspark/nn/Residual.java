package org.bnnspark.nn;

import java.util.List;
import java.util.SplittableRandom;

/**
 * A real-valued shortcut around a block of layers, {@code y = x + f(x)} (Bi-Real Net, Liu et al.
 * 2018; ReActNet's blocks): the block's binary layers see {@code sign(x)} while the real-valued
 * {@code x} itself skips over them, so the information the sign throws away still reaches the next
 * block. The block must end with the shape it starts with. Its layers' parameters and state are
 * consecutive slices of this layer's.
 */
public final class Residual extends Layer {
  private final LayerChain block;

  public Residual(Shape shape, List<Layer> block) {
    super(shape, shape);
    if (block.isEmpty()) {
      throw new IllegalArgumentException("a residual block needs at least one layer");
    }
    Shape end = block.get(block.size() - 1).outShape();
    if (!end.equals(shape)) {
      throw new IllegalArgumentException("a residual block must end with the shape it starts with (" + shape + "), not " + end);
    }
    this.block = new LayerChain(block, shape.size());
  }

  @Override
  public Lowering lower(float[] params, float[] state) {
    return new Lowering.Shortcut(block.layers());
  }

  /** The layers of the block, in order. */
  public List<Layer> block() {
    return block.layers();
  }

  @Override
  void place(int paramOffset, int stateOffset, int position) {
    super.place(paramOffset, stateOffset, position);
    int p = paramOffset;
    int s = stateOffset;
    for (int k = 0; k < block.layers().size(); k++) {
      Layer l = block.layers().get(k);
      l.place(p, s, (position + 1) * 1024 + k); // distinct positions: they seed the layers' random draws
      p += l.paramCount();
      s += l.stateCount();
    }
  }

  @Override
  public int paramCount() {
    return block.paramCount();
  }

  @Override
  public int stateCount() {
    return block.stateCount();
  }

  @Override
  public void initParams(float[] params, SplittableRandom rng) {
    block.initParams(params, rng);
  }

  @Override
  public void initState(float[] state) {
    block.initState(state);
  }

  @Override
  public float[] transferableParams(float[] params) {
    float[] out = new float[paramCount()];
    int at = 0;
    for (Layer l : block.layers()) {
      float[] p = l.transferableParams(params);
      System.arraycopy(p, 0, out, at, p.length);
      at += p.length;
    }
    return out;
  }

  @Override
  public void forward(Context ctx, float[] x, float[] y, int n) {
    add(x, block.forward(ctx, x, n), y, n * outSize);
  }

  /** {@code y = x + f}: the packed model adds its shortcut with this same function. */
  public static void add(float[] x, float[] f, float[] y, int len) {
    for (int i = 0; i < len; i++) {
      y[i] = x[i] + f[i];
    }
  }

  @Override
  public void backward(Context ctx, float[] x, float[] y, float[] dy, float[] dx, int n) {
    System.arraycopy(dy, 0, block.outputGradient(), 0, n * outSize);
    float[] d = block.backward(ctx, x, n, dx != null);
    if (dx != null) { // the shortcut's gradient plus the block's
      add(dy, d, dx, n * inSize);
    }
  }

  @Override
  public void clipLatent(float[] params) {
    block.clipLatent(params);
  }

  @Override
  public long macsPerExample() {
    long m = 0;
    for (Layer l : block.layers()) {
      m += l.macsPerExample();
    }
    return m;
  }

  @Override
  public void updateState(float[] state, double[] statSums, long count, int steps) {
    block.updateState(state, statSums, count, steps);
  }

  @Override
  List<Layer> leaves() {
    return block.leaves();
  }

  @Override
  public String describe() {
    return "Residual(" + inShape + ": x + [" + String.join(" → ", block.layers().stream().map(Layer::describe).toList()) + "])";
  }
}
