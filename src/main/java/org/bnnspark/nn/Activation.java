package org.bnnspark.nn;

/**
 * An element-wise activation: {@code y = f(x)} forward, {@code dx = f.backward(x, y, dy)} backward,
 * the function a strategy ({@link Function}):
 * <ul>
 *   <li>{@link Kind#HARDTANH}: {@code clip(x, −1, 1)}, {@code dx = dy · 1{|x| ≤ 1}};</li>
 *   <li>{@link Kind#RELU}: {@code max(x, 0)}, {@code dx = dy · 1{x > 0}};</li>
 *   <li>{@link Kind#TANH}: {@code tanh x}, {@code dx = dy · (1 − y²)};</li>
 *   <li>a {@link Quantizer}: the binary activation {@code y = Q(x)} with the straight-through estimator
 *       {@code dx = dy · Q'(x)} ({@code Q = sign}, {@code Q' = 1{|x| ≤ 1}} for {@code ste_sign}). Its output
 *       is ±1, so a following {@link BinaryDense} computes an exact integer XNOR-popcount.</li>
 * </ul>
 * Each function's {@code apply} is the one definition the training graph and the packed model share.
 */
public final class Activation extends Layer {
  /** An element-wise function and its backward. */
  public interface Function {
    float apply(float x);

    /** {@code dx} for input {@code x}, output {@code y} and upstream gradient {@code dy}. */
    float backward(float x, float y, float dy);

    /** {@code y[i] = apply(x[i])} for {@code i < n}; a function may run it by vector, with the same values. */
    default void applyAll(float[] x, float[] y, int n) {
      for (int i = 0; i < n; i++) {
        y[i] = apply(x[i]);
      }
    }

    /** {@code dx[i] = backward(x[i], y[i], dy[i])} for {@code i < n}; a function may run it by vector, with the same values. */
    default void backwardAll(float[] x, float[] y, float[] dy, float[] dx, int n) {
      for (int i = 0; i < n; i++) {
        dx[i] = backward(x[i], y[i], dy[i]);
      }
    }

    String configName();
  }

  /** The real-valued activations. */
  public enum Kind implements Function {
    HARDTANH("hardtanh", Lowering.OpKind.HARDTANH) {
      @Override
      public float apply(float v) {
        return v > 1f ? 1f : (v < -1f ? -1f : v);
      }

      @Override
      public float backward(float x, float y, float dy) {
        return Math.abs(x) <= 1f ? dy : 0f;
      }
    },
    RELU("relu", Lowering.OpKind.RELU) {
      @Override
      public float apply(float v) {
        return Math.max(v, 0f);
      }

      @Override
      public float backward(float x, float y, float dy) {
        return x > 0f ? dy : 0f;
      }
    },
    TANH("tanh", Lowering.OpKind.TANH) {
      @Override
      public float apply(float v) {
        return (float) Math.tanh(v);
      }

      @Override
      public float backward(float x, float y, float dy) {
        return dy * (1f - y * y);
      }
    };

    private final String configName;
    /** The packed model's operation for it. */
    final Lowering.OpKind op;

    Kind(String configName, Lowering.OpKind op) {
      this.configName = configName;
      this.op = op;
    }

    @Override
    public String configName() {
      return configName;
    }
  }

  private final Function function;

  public Activation(Shape shape, Function function) {
    super(shape, shape);
    this.function = function;
  }

  public Activation(int size, Function function) {
    this(Shape.flat(size), function);
  }


  /** A sign for a binary activation (a quantizer with its estimator: the output is ±1), else the per-feature function of its kind. */
  @Override
  public Lowering lower(float[] params, float[] state) {
    return function instanceof Quantizer ? Lowering.SIGN : new Lowering.Op(((Kind) function).op, new float[0][]);
  }

  @Override
  public void forward(Context ctx, float[] x, float[] y, int n) {
    function.applyAll(x, y, n * outSize);
  }

  @Override
  public void backward(Context ctx, float[] x, float[] y, float[] dy, float[] dx, int n) {
    if (dx == null) {
      return;
    }
    function.backwardAll(x, y, dy, dx, n * outSize);
  }

  @Override
  public String describe() {
    if (function instanceof Quantizer q) {
      return "Sign(" + outSize + ", " + q.configName() + ")";
    }
    return function == Kind.HARDTANH ? "HardTanh(" + outSize + ")" : function == Kind.RELU ? "ReLU(" + outSize + ")" : "Tanh(" + outShape + ")";
  }
}
