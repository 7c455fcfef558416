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
 * </ul>
 */
public enum Quantizer {
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
  };

  private final String configName;

  Quantizer(String configName) {
    this.configName = configName;
  }

  /** The name used in configuration files. */
  public String configName() {
    return configName;
  }

  /** Forward: the sign every part of the project agrees on. */
  public float forward(float x) {
    return org.bnnspark.bits.BitPacking.sign(x);
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
