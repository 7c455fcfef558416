package org.bnnspark.bits;

import java.util.function.Supplier;

/**
 * The one rule by which every kernel family (binary and float GEMM, level dots, sign packing,
 * thresholds, int maxima) picks its implementation, once, when its class initializes: the vector
 * twin where this JVM has it — {@code jdk.incubator.vector} added and the operations it needs present
 * (a popcount lane operation needs JDK 19+) — unless {@code -Dbnn.kernel.portable=true} asks for the
 * portable twin, which always exists.
 */
public final class KernelChoice {
  /** The system property that forces every family onto its portable twin. */
  public static final String PORTABLE_PROPERTY = "bnn.kernel.portable";

  private KernelChoice() {}

  public static boolean portableForced() {
    return Boolean.getBoolean(PORTABLE_PROPERTY);
  }

  /**
   * {@code vector.get()} unless the portable twin is forced, the supplier returns null (the JVM lacks
   * an operation) or the vector classes do not link (the module is not added).
   */
  public static <T> T pick(Supplier<T> vector, T portable) {
    if (portableForced()) {
      return portable;
    }
    try {
      T v = vector.get();
      return v != null ? v : portable;
    } catch (LinkageError e) {
      return portable;
    }
  }
}
