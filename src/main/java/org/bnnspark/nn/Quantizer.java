package org.bnnspark.nn;

import java.util.List;
import java.util.Locale;

/**
 * A binarizing quantizer: a forward function and the pseudo-gradient the straight-through
 * estimator uses in its place (Larq's shape: two plain functions and a name).
 *
 * <ul>
 *   <li>{@code ste_sign}: forward {@code sign(x)} (+1 for x ≥ 0), gradient {@code 1{|x| ≤ 1}}
 *       (Hubara et al. 2016, the clipped STE).</li>
 *   <li>{@code approx_sign}: forward {@code sign(x)}, gradient {@code 2 − 2|x|} on |x| ≤ 1, else 0
 *       (Bi-Real Net, Liu et al. 2018).</li>
 *   <li>{@code stochastic_sign}: BinaryConnect's stochastic binarization (Courbariaux et al. 2015):
 *       in training +1 with probability {@code hard_sigmoid(x) = clip((x + 1) / 2, 0, 1)}, else −1;
 *       {@code sign(x)} at inference; gradient {@code 1{|x| ≤ 1}}. For weights only.</li>
 * </ul>
 */
public enum Quantizer implements Activation.Function {
  STE_SIGN("ste_sign") {
    @Override
    public float gradient(float x) {
      return Math.abs(x) <= 1f ? 1f : 0f;
    }
  },
  APPROX_SIGN("approx_sign") {
    @Override
    public float gradient(float x) {
      float a = Math.abs(x);
      return a <= 1f ? 2f - 2f * a : 0f;
    }
  },
  STOCHASTIC_SIGN("stochastic_sign") {
    @Override
    public float gradient(float x) {
      return Math.abs(x) <= 1f ? 1f : 0f;
    }

    @Override
    public boolean stochastic() {
      return true;
    }
  };

  /** BinaryConnect's probability of +1: {@code clip((x + 1) / 2, 0, 1)}. */
  public static float hardSigmoid(float x) {
    return Math.min(1f, Math.max(0f, (x + 1f) * 0.5f));
  }

  private final String configName;

  Quantizer(String configName) {
    this.configName = configName;
  }

  /** The name used in configuration files. */
  @Override
  public String configName() {
    return configName;
  }

  /** Forward: the sign every part of the project agrees on. */
  public float forward(float x) {
    return org.bnnspark.bits.BitPacking.sign(x);
  }

  /** As an activation ({@link Activation}): the forward. */
  @Override
  public float apply(float x) {
    return forward(x);
  }

  /** As an activation: the straight-through estimator {@code dy · Q'(x)}. */
  @Override
  public float backward(float x, float y, float dy) {
    return dy * gradient(x);
  }

  /** The signs by vector where the JVM has it ({@link org.bnnspark.bits.BitPacking#signs}). */
  @Override
  public void applyAll(float[] x, float[] y, int n) {
    org.bnnspark.bits.BitPacking.signs(x, y, n);
  }

  /** {@code dy · 1{|x| ≤ 1}} by vector for the estimators whose gradient is that indicator. */
  @Override
  public void backwardAll(float[] x, float[] y, float[] dy, float[] dx, int n) {
    if (identityInsideClip()) {
      org.bnnspark.bits.BitPacking.passInsideUnit(x, dy, dx, n);
    } else {
      Activation.Function.super.backwardAll(x, y, dy, dx, n);
    }
  }

  /** Whether the pseudo-gradient is exactly the indicator {@code 1{|x| ≤ 1}} (then clipped weights need no gradient mask). */
  public boolean identityInsideClip() {
    return this != APPROX_SIGN;
  }

  /** Whether training draws the binary value at random (inference is always {@link #forward}). */
  public boolean stochastic() {
    return false;
  }

  /** d forward / dx as the straight-through estimator defines it. */
  public abstract float gradient(float x);

  /** Looks a quantizer up by its configuration name; unknown names get a message listing the known ones. */
  public static Quantizer byName(String name) {
    for (Quantizer q : values()) {
      if (q.configName.equals(name.toLowerCase(Locale.ROOT))) {
        return q;
      }
    }
    throw new IllegalArgumentException("unknown quantizer '" + name + "' (expected one of: " + names() + ")");
  }

  static List<String> names() {
    return java.util.Arrays.stream(values()).map(Quantizer::configName).toList();
  }
}
