package org.bnnspark.inference;

import java.util.Arrays;
import org.bnnspark.nn.BatchNorm;
import org.bnnspark.nn.Conv2d;
import org.bnnspark.nn.Activation;
import org.bnnspark.nn.Lowering;
import org.bnnspark.nn.Lowering.OpKind;
import org.bnnspark.nn.RPRelu;

/**
 * One per-feature float operation of the inference graph between a linear layer and the next sign
 * (or the logits): a bias, an inference-mode BatchNorm, a clip, a scale α ≥ 0 — or one that also
 * depends on the position in an image ({@link OpKind#SCALE_POSITIONS}). Each evaluates the very function
 * the training graph's layer calls, so a packed model reproduces the training graph bit for bit.
 *
 * <p>Every kind but an RPReLU with a negative slope is monotone in its input for a fixed feature
 * (non-increasing only for a BatchNorm with γ &lt; 0), which is what lets a chain of them followed by
 * {@code sign} fold into one integer threshold per neuron (see {@link Thresholds}); see {@link #monotone}.
 * A positional operation is neither folded nor moved behind a pooling: its stage runs in float.
 */
public record PointwiseOp(OpKind kind, float[][] arrays) {

  /** A layer's lowered operation, to run. */
  static PointwiseOp of(Lowering.Op op) {
    return new PointwiseOp(op.kind(), op.arrays());
  }


  public PointwiseOp {
    if (arrays.length != kind.arrayCount()) {
      throw new IllegalArgumentException(kind + " takes " + kind.arrayCount() + " arrays, got " + arrays.length);
    }
  }

  /** How long array {@code a} of an operation of kind {@code kind} is on a product of shape {@code product}. */
  static int arrayLength(OpKind kind, int a, org.bnnspark.nn.Shape product) {
    if (kind == OpKind.SCALE_POSITIONS) {
      return a == 0 ? product.height() : product.width();
    }
    return product.channels();
  }

  /** Whether the operation depends on the position in an image (or on the example) as well as on the feature. */
  public boolean positional() {
    return kind == OpKind.SCALE_POSITIONS || kind == OpKind.ACTIVATION_SCALE;
  }

  /** The operation's value for feature {@code j} at input {@code v} (a per-feature operation). */
  public float apply(int j, float v) {
    return switch (kind) {
      case ADD_BIAS -> v + arrays[0][j];
      case BATCH_NORM -> BatchNorm.normalize(v, arrays[0][j], arrays[1][j], arrays[2][j], arrays[3][j]);
      case HARDTANH -> Activation.Kind.HARDTANH.apply(v);
      case RELU -> Activation.Kind.RELU.apply(v);
      case SCALE -> v * arrays[0][j];
      case RPRELU -> RPRelu.apply(v, arrays[0][j], arrays[1][j], arrays[2][j]);
      case TANH -> Activation.Kind.TANH.apply(v);
      case SCALE_POSITIONS, ACTIVATION_SCALE -> throw new IllegalStateException(kind + " needs the position: applyAllRuns");
    };
  }

  /** Whether the operation is monotone in its input for every feature (what folding into thresholds needs). */
  public boolean monotone() {
    // folding makes one threshold per feature: a positional operation would need one per position
    return !positional() && (kind != OpKind.RPRELU || allNonNegative(arrays[1]));
  }

  /**
   * Whether the operation never decreases when its input grows, for every feature — then it commutes
   * with a maximum, even in floating point (rounding is monotone): {@code max(op(v)) = op(max v)}, so
   * pooling may run before it.
   */
  public boolean nonDecreasing() {
    return switch (kind) {
      case ADD_BIAS, HARDTANH, RELU, TANH -> true;
      case SCALE -> allNonNegative(arrays[0]);
      case RPRELU -> allNonNegative(arrays[1]);
      case BATCH_NORM -> allNonNegative(arrays[2]); // γ; invStd > 0
      case SCALE_POSITIONS, ACTIVATION_SCALE -> false; // a window's values get different factors: max(β γ v) ≠ β γ max v
    };
  }

  private static boolean allNonNegative(float[] a) {
    for (float v : a) {
      if (!(v >= 0f)) {
        return false;
      }
    }
    return true;
  }

  /** Applies the per-feature chain {@code ops} to feature {@code j}. */
  public static float applyAll(PointwiseOp[] ops, int j, float v) {
    for (PointwiseOp op : ops) {
      v = op.apply(j, v);
    }
    return v;
  }

  /**
   * Applies the chain to {@code runs} runs of {@code f} values — a batch of channels-last outputs,
   * run r at position {@code r mod positions} of its image — op by op. Every value still goes through
   * the operations in order, so each value gets exactly what the graph's layers compute for it, in their order; but each
   * operation's loop runs over a run's features with no dispatch per value. {@code k} holds one
   * activation scale per run, or is null (then K = 1).
   */
  public static void applyAllRuns(PointwiseOp[] ops, float[] v, int runs, int positions, int f, float[] k) {
    for (PointwiseOp op : ops) {
      op.applyRuns(v, runs, positions, f, k);
    }
  }

  private void applyRuns(float[] v, int runs, int positions, int f, float[] k) {
    switch (kind) {
      case SCALE_POSITIONS -> {
        for (int r = 0; r < runs; r++) {
          float factor = Conv2d.spatialFactor(arrays[0], arrays[1], r % positions);
          for (int j = 0, at = r * f; j < f; j++) {
            v[at + j] = v[at + j] * factor;
          }
        }
      }
      case ACTIVATION_SCALE -> {
        for (int r = 0; r < runs; r++) {
          float scale = k == null ? 1f : k[r];
          for (int j = 0, at = r * f; j < f; j++) {
            v[at + j] = v[at + j] * scale;
          }
        }
      }
      case SCALE -> {
        float[] a = arrays[0];
        for (int r = 0; r < runs; r++) {
          for (int j = 0, at = r * f; j < f; j++) {
            v[at + j] = v[at + j] * a[j];
          }
        }
      }
      case ADD_BIAS -> {
        float[] b = arrays[0];
        for (int r = 0; r < runs; r++) {
          for (int j = 0, at = r * f; j < f; j++) {
            v[at + j] = v[at + j] + b[j];
          }
        }
      }
      case BATCH_NORM -> {
        float[] mean = arrays[0];
        float[] invStd = arrays[1];
        float[] gamma = arrays[2];
        float[] beta = arrays[3];
        for (int r = 0; r < runs; r++) {
          for (int j = 0, at = r * f; j < f; j++) {
            v[at + j] = BatchNorm.normalize(v[at + j], mean[j], invStd[j], gamma[j], beta[j]);
          }
        }
      }
      default -> {
        for (int r = 0; r < runs; r++) {
          for (int j = 0, at = r * f; j < f; j++) {
            v[at + j] = apply(j, v[at + j]);
          }
        }
      }
    }
  }

  /** Whether {@code ops} hold XNOR-Net's activation scale (then the stage binarizes its real input). */
  public static boolean activationScaled(PointwiseOp[] ops) {
    return java.util.Arrays.stream(ops).anyMatch(op -> op.kind == OpKind.ACTIVATION_SCALE);
  }

  /** Float parameters the operation stores. */
  public long parameterCount() {
    return Arrays.stream(arrays).mapToLong(a -> a.length).sum();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PointwiseOp p && p.kind == kind && Arrays.deepEquals(p.arrays, arrays);
  }

  @Override
  public int hashCode() {
    return 31 * kind.hashCode() + Arrays.deepHashCode(arrays);
  }

  @Override
  public String toString() {
    return kind.name().toLowerCase(java.util.Locale.ROOT);
  }
}
