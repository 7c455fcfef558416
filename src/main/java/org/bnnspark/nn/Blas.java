package org.bnnspark.nn;

import dev.ludovic.netlib.blas.BLAS;
import dev.ludovic.netlib.blas.JavaBLAS;

/**
 * The three row-major matrix products a dense layer needs, on netlib's pure-Java BLAS
 * ({@code VectorBLAS} when the JVM runs with {@code --add-modules jdk.incubator.vector}, as Spark
 * MLlib does). The pure-Java BLAS is chosen over a native one on purpose: every executor then
 * computes bit-identical results, which the determinism guarantees rest on.
 *
 * <p>BLAS is column-major; a row-major {@code r × c} matrix is the column-major {@code c × r}
 * matrix, i.e. its transpose. The mappings below follow from that.
 */
public final class Blas {
  private Blas() {}

  private static final BLAS BLAS = JavaBLAS.getInstance();

  /** Name of the BLAS implementation in use (e.g. {@code VectorBLAS}). */
  public static String implementation() {
    return BLAS.getClass().getSimpleName();
  }

  /**
   * {@code y (n × out) = x (n × in) · wᵀ} with {@code w} an {@code out × in} row-major block at
   * {@code w[wOff]}; {@code beta} scales what {@code y} held (0 overwrites).
   */
  public static void xwT(float[] x, int n, int in, float[] w, int wOff, int out, float beta, float[] y) {
    // column-major: yᵀ (out × n) = w (as in × out, transposed) · xᵀ (in × n)
    BLAS.sgemm("T", "N", out, n, in, 1f, w, wOff, in, x, 0, in, beta, y, 0, out);
  }

  /** {@code dx (n × in) = dy (n × out) · w (out × in)}. */
  public static void dyW(float[] dy, int n, int out, float[] w, int wOff, int in, float[] dx) {
    // column-major: dxᵀ (in × n) = wᵀ (in × out) · dyᵀ (out × n)
    BLAS.sgemm("N", "N", in, n, out, 1f, w, wOff, in, dy, 0, out, 0f, dx, 0, in);
  }

  /** {@code dw (out × in) += dyᵀ (out × n) · x (n × in)}, accumulated into {@code dw[dwOff]}. */
  public static void addDyTx(float[] dy, int n, int out, float[] x, int in, float[] dw, int dwOff) {
    // column-major: dwᵀ (in × out) += xᵀ (in × n) · dy (n × out)
    BLAS.sgemm("N", "T", in, out, n, 1f, x, 0, in, dy, 0, out, 1f, dw, dwOff, in);
  }

  /** {@code c (m × n) = a (m × k) · bᵀ} for row-major {@code a} and {@code b (n × k)}: the benchmark's sgemm. */
  public static void abT(float[] a, int m, int k, float[] b, int n, float[] c) {
    BLAS.sgemm("T", "N", n, m, k, 1f, b, 0, k, a, 0, k, 0f, c, 0, n);
  }
}
