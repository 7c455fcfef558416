package org.bnnspark.nn;

import java.util.ArrayList;
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
  private final List<Layer> block;
  private float[][] activations = new float[0][];
  private float[] gradA = new float[0];
  private float[] gradB = new float[0];

  public Residual(Shape shape, List<Layer> block) {
    super(shape, shape);
    if (block.isEmpty()) {
      throw new IllegalArgumentException("a residual block needs at least one layer");
    }
    Shape end = block.get(block.size() - 1).outShape();
    if (!end.equals(shape)) {
      throw new IllegalArgumentException("a residual block must end with the shape it starts with (" + shape + "), not " + end);
    }
    this.block = List.copyOf(block);
  }

  @Override
  public Lowering lower(float[] params, float[] state) {
    return new Lowering.Shortcut(block);
  }

  /** The layers of the block, in order. */
  public List<Layer> block() {
    return block;
  }

  @Override
  void place(int paramOffset, int stateOffset, int position) {
    super.place(paramOffset, stateOffset, position);
    int p = paramOffset;
    int s = stateOffset;
    for (int k = 0; k < block.size(); k++) {
      Layer l = block.get(k);
      l.place(p, s, (position + 1) * 1024 + k); // distinct positions: they seed the layers' random draws
      p += l.paramCount();
      s += l.stateCount();
    }
  }

  @Override
  public int paramCount() {
    return block.stream().mapToInt(Layer::paramCount).sum();
  }

  @Override
  public int stateCount() {
    return block.stream().mapToInt(Layer::stateCount).sum();
  }

  @Override
  public void initParams(float[] params, SplittableRandom rng) {
    for (Layer l : block) {
      l.initParams(params, rng.split());
    }
  }

  @Override
  public void initState(float[] state) {
    for (Layer l : block) {
      l.initState(state);
    }
  }

  @Override
  public float[] transferableParams(float[] params) {
    float[] out = new float[paramCount()];
    int at = 0;
    for (Layer l : block) {
      float[] p = l.transferableParams(params);
      System.arraycopy(p, 0, out, at, p.length);
      at += p.length;
    }
    return out;
  }

  private void ensureCapacity(int n) {
    if (activations.length == block.size() && activations[0].length >= n * block.get(0).outSize()) {
      return;
    }
    activations = new float[block.size()][];
    int widest = inSize;
    for (int k = 0; k < block.size(); k++) {
      activations[k] = new float[n * block.get(k).outSize()];
      widest = Math.max(widest, block.get(k).outSize());
    }
    gradA = new float[n * widest];
    gradB = new float[n * widest];
  }

  @Override
  public void forward(Context ctx, float[] x, float[] y, int n) {
    ensureCapacity(n);
    float[] in = x;
    for (int k = 0; k < block.size(); k++) {
      block.get(k).forward(ctx, in, activations[k], n);
      in = activations[k];
    }
    add(x, in, y, n * outSize);
  }

  /** {@code y = x + f}: the packed model adds its shortcut with this same function. */
  public static void add(float[] x, float[] f, float[] y, int len) {
    for (int i = 0; i < len; i++) {
      y[i] = x[i] + f[i];
    }
  }

  @Override
  public void backward(Context ctx, float[] x, float[] y, float[] dy, float[] dx, int n) {
    float[] d = gradA;
    float[] next = gradB;
    System.arraycopy(dy, 0, d, 0, n * outSize);
    for (int k = block.size() - 1; k >= 0; k--) {
      float[] in = k == 0 ? x : activations[k - 1];
      block.get(k).backward(ctx, in, activations[k], d, next, n);
      float[] t = d;
      d = next;
      next = t;
    }
    if (dx != null) { // the shortcut's gradient plus the block's
      add(dy, d, dx, n * inSize);
    }
  }

  @Override
  public void clipLatent(float[] params) {
    for (Layer l : block) {
      l.clipLatent(params);
    }
  }

  @Override
  public long macsPerExample() {
    long m = 0;
    for (Layer l : block) {
      m += l.macsPerExample();
    }
    return m;
  }

  @Override
  public void updateState(float[] state, double[] statSums, long count, int steps) {
    for (Layer l : block) {
      l.updateState(state, statSums, count, steps);
    }
  }

  @Override
  List<Layer> leaves() {
    List<Layer> all = new ArrayList<>();
    for (Layer l : block) {
      all.addAll(l.leaves());
    }
    return all;
  }

  @Override
  public String describe() {
    return "Residual(" + inShape + ": x + [" + String.join(" → ", block.stream().map(Layer::describe).toList()) + "])";
  }
}
