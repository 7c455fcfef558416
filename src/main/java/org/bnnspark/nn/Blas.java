package org.bnnspark.nn;

import dev.ludovic.netlib.blas.BLAS;
import dev.ludovic.netlib.blas.JavaBLAS;

/**
 * netlib's pure-Java BLAS ({@code VectorBLAS} when the JVM runs with {@code --add-modules
 * jdk.incubator.vector}, as Spark MLlib does): the float baseline of the benchmarks. The engine's
 * own products go through {@link FloatGemm}, which is reproducible bit for bit (see there why
 * VectorBLAS is not).
 *
 * <p>BLAS is column-major; a row-major {@code r × c} matrix is the column-major {@code c × r}
 * matrix, i.e. its transpose.
 */
public final class Blas {
  private Blas() {}

  private static final BLAS BLAS = JavaBLAS.getInstance();

  /** Name of the BLAS implementation in use (e.g. {@code VectorBLAS}). */
  public static String implementation() {
    return BLAS.getClass().getSimpleName();
  }

  /**
   * {@code c (m × n) = a (m × k) · bᵀ} for row-major {@code a} and {@code b (n × k)}: the benchmark's
   * float baseline, through BLAS's fastest case here ("T","N", VectorBLAS's dot kernel).
   */
  public static void abT(float[] a, int m, int k, float[] b, int n, float[] c) {
    BLAS.sgemm("T", "N", n, m, k, 1f, b, 0, k, a, 0, k, 0f, c, 0, n);
  }
}
