package org.bnnspark.nn;

/**
 * Float matrix products of the training and inference engine:
 * {@code C (m × n) = [C +] A (m × k) · B (k × n)}, with {@code B} and {@code C} row-major and
 * {@code A} read through any strides (so {@code A} may be a transposed view).
 *
 * <h2>Why not netlib's BLAS here</h2>
 * Every sgemm case of netlib's {@code VectorBLAS} ends in its {@code sgepdotTN} kernel, which sums
 * with {@code reduceLanes(ADD)}; the Vector API leaves that summation order unspecified, and in
 * practice interpreted and JIT-compiled code order it differently. The same seed and data then
 * gave different weights from one run to the next (measured: three runs, three parameter hashes).
 * Reproducible training is a promise of this project, so the engine uses these kernels instead:
 * every {@code C[i][j]} is one fused-multiply-add chain over {@code p = 0 … k−1} in order, starting
 * from 0 or the old {@code C[i][j]}. A vector lane and the scalar edge code compute exactly the same
 * chain ({@code fma} is exactly rounded), so the result does not depend on the tile, the vector
 * width, the JIT state or the JDK. netlib's {@code VectorBLAS} remains the float baseline the
 * benchmarks compare against.
 *
 * <p>Implementations: {@link VectorFloatGemm4x2} (broadcast-FMA register tile, Vector API) and the
 * portable {@link #PORTABLE} scalar twin; {@link #best()} picks at run time.
 */
public abstract class FloatGemm {

  public abstract String name();

  /**
   * {@code C[i][j] = (accumulate ? C[i][j] : 0) + Σ_p A(i,p) · B[p][j]}, where
   * {@code A(i,p) = a[rows[i] + cols[p]]}, {@code B[p][j] = b[bOff + p*ldb + j]},
   * {@code C[i][j] = c[cOff + i*ldc + j]}. Any view of {@code A} whose rows and columns are each
   * an offset: a strided matrix ({@link #gemm(int, int, int, float[], int, int, int, float[], int, int,
   * boolean, float[], int, int) below}), or a convolution's windows read straight from the image
   * ({@link ConvGeometry.DirectProduct}) — row i an output position's window corner, column p a tap's offset.
   */
  public abstract void gemm(int m, int n, int k, float[] a, int[] rows, int[] cols, float[] b, int bOff, int ldb,
      boolean accumulate, float[] c, int cOff, int ldc);

  /**
   * The same with {@code A(i,p) = a[aOff + i*aRow + p*aCol]} (so {@code A} may be a transposed view).
   */
  public final void gemm(int m, int n, int k, float[] a, int aOff, int aRow, int aCol, float[] b, int bOff, int ldb,
      boolean accumulate, float[] c, int cOff, int ldc) {
    Offsets o = OFFSETS.get();
    gemm(m, n, k, a, o.strided(0, m, aOff, aRow), o.strided(1, k, 0, aCol), b, bOff, ldb, accumulate, c, cOff, ldc);
  }

  /** A thread's two offset arrays for strided calls, grown as needed. */
  private static final class Offsets {
    private final int[][] arrays = {new int[64], new int[64]};

    int[] strided(int which, int count, int first, int step) {
      int[] o = arrays[which];
      if (o.length < count) {
        o = arrays[which] = new int[Math.max(count, 2 * o.length)];
      }
      for (int i = 0; i < count; i++) {
        o[i] = first + i * step;
      }
      return o;
    }
  }

  private static final ThreadLocal<Offsets> OFFSETS = ThreadLocal.withInitial(Offsets::new);

  /** The scalar reference: the same FMA chains, one element at a time. */
  public static final FloatGemm PORTABLE = new FloatGemm() {
    @Override
    public String name() {
      return "ScalarFloatGemm";
    }

    @Override
    public void gemm(int m, int n, int k, float[] a, int[] rows, int[] cols, float[] b, int bOff, int ldb,
        boolean accumulate, float[] c, int cOff, int ldc) {
      for (int i = 0; i < m; i++) {
        chains(i, 0, n, k, a, rows, cols, b, bOff, ldb, accumulate, c, cOff, ldc);
      }
    }
  };

  /** Columns {@code [j0, j1)} of row {@code i}, scalar: the portable kernel's chains. */
  private static void chains(int i, int j0, int j1, int k, float[] a, int[] rows, int[] cols, float[] b, int bOff, int ldb,
      boolean accumulate, float[] c, int cOff, int ldc) {
    int ci = cOff + i * ldc;
    int ai = rows[i];
    for (int j = j0; j < j1; j++) {
      float s = accumulate ? c[ci + j] : 0f;
      for (int p = 0; p < k; p++) {
        s = Math.fma(a[ai + cols[p]], b[bOff + p * ldb + j], s);
      }
      c[ci + j] = s;
    }
  }

  private static final FloatGemm BEST = select();

  public static FloatGemm best() {
    return BEST;
  }

  /** The vector kernel, or null when this JVM runs without {@code jdk.incubator.vector}. */
  public static FloatGemm vectorOrNull() {
    try {
      return VectorFloatGemm4x2.available() ? VectorFloatGemm4x2.INSTANCE : null;
    } catch (LinkageError e) {
      return null;
    }
  }

  private static FloatGemm select() {
    return org.bnnspark.bits.KernelChoice.pick(FloatGemm::vectorOrNull, PORTABLE);
  }
}
