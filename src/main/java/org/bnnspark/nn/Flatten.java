package org.bnnspark.nn;

/**
 * An image as a feature vector. Channels-last rows are already flat, so the values are copied as
 * they are; only the shape changes (dense layers take feature vectors only).
 */
public final class Flatten extends Layer {
  public Flatten(Shape in) {
    super(in, Shape.flat(in.size()));
  }

  @Override
  public void forward(Context ctx, float[] x, float[] y, int n) {
    System.arraycopy(x, 0, y, 0, n * inSize);
  }

  @Override
  public void backward(Context ctx, float[] x, float[] y, float[] dy, float[] dx, int n) {
    if (dx != null) {
      System.arraycopy(dy, 0, dx, 0, n * inSize);
    }
  }

  /** The identity at inference: a channels-last row keeps its order. */
  @Override
  public Lowering lower(float[] params, float[] state) {
    return Lowering.IDENTITY;
  }

  @Override
  public String describe() {
    return "Flatten(" + inShape + "→" + outSize + ")";
  }
}
