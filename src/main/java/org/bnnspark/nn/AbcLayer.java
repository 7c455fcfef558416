package org.bnnspark.nn;

import java.util.SplittableRandom;

/**
 * An ABC-Net layer (Lin, Zhao &amp; Pan, "Towards Accurate Binary Convolutional Neural Network",
 * NeurIPS 2017): both the weights and the input are approximated by linear combinations of binary
 * bases, and the product becomes {@code M × N} binary products,
 * <pre>
 *   W ≈ Σ_m α_m B_m,   B_m = sign(W − mean(W) + u_m · std(W)),   u_m = −1 + 2(m−1)/(M−1)  (u = 0 when M = 1)
 *   R ≈ Σ_n β_n A_n,   A_n = H_{v_n}(R) = +1 if R + v_n ≥ 0.5 else −1
 *   y = Σ_m Σ_n α_m β_n · (A_n ⊛ B_m)
 * </pre>
 * with mean and standard deviation over the whole layer, as in the paper. A dense layer is the
 * 1×1 convolution of a 1×1 image ({@code abc_dense}); a convolution ({@code abc_conv2d}) binarizes its
 * input image first and im2cols each activation base with exact zero padding, like {@link Conv2d}.
 *
 * <p>Trained: the latent weights {@code W} (STE through every {@code B_m}: {@code dL/dW = Σ_m
 * dL/dB_m}, clipped to [−1, 1] like every binary layer), the scales {@code α} (initialized by least
 * squares on the initial weights), the shifts {@code v} and the activation scales {@code β}; the
 * activation bases pass the gradient where {@code 0 ≤ R + v_n ≤ 1} (the derivative of the paper's
 * {@code clip(R + v, 0, 1)}). Every {@code A_n ⊛ B_m} is a product of ±1 values, an exact integer,
 * and the sum over the bases runs in a fixed order ({@code m} outer, {@code n} inner), so the packed
 * model — which computes each one as XNOR-popcount — reproduces the output bit for bit.
 *
 * <p>Parameters: {@code [W (filters × patch), α (M), v (N), β (N)]}.
 */
public final class AbcLayer extends Layer {
  private static final FloatGemm GEMM = FloatGemm.best();
  private final ConvGeometry geometry;
  private final int filters;
  private final int weightBases;
  private final int activationBases;
  /** Per activation base: its im2col rows of the last forward ({@code n·positions × patch}); per (m, n): the products. */
  private float[][] cols = new float[0][];
  private float[][] products = new float[0][];
  private float[][] basesT = new float[0][];
  private float[] bases;
  private float[] plane = new float[0];
  private float[] scaledDy = new float[0];
  private float[] dcols = new float[0];

  public AbcLayer(ConvGeometry geometry, int filters, int weightBases, int activationBases) {
    super(geometry.input(), new Shape(geometry.outHeight(), geometry.outWidth(), filters)); // 1×1×filters = flat for a dense layer
    if (weightBases < 1 || activationBases < 1) {
      throw new IllegalArgumentException("ABC-Net needs at least one weight base and one activation base");
    }
    this.geometry = geometry;
    this.filters = filters;
    this.weightBases = weightBases;
    this.activationBases = activationBases;
  }

  /** A dense ABC layer: {@code in} features to {@code units}. */
  public static AbcLayer dense(int in, int units, int weightBases, int activationBases) {
    return new AbcLayer(new ConvGeometry(Shape.flat(in), 1, 1, 0), units, weightBases, activationBases);
  }

  public ConvGeometry geometry() {
    return geometry;
  }

  /** Whether this is a convolution (else a dense layer on a feature vector: a 1×1 convolution of a 1×1 image). */
  public boolean convolution() {
    return !inShape.isFlat();
  }

  public int filters() {
    return filters;
  }

  public int weightBases() {
    return weightBases;
  }

  public int activationBases() {
    return activationBases;
  }

  private int weightCount() {
    return filters * geometry.patchSize();
  }

  private int alphaOffset() {
    return paramOffset + weightCount();
  }

  private int shiftOffset() {
    return alphaOffset() + weightBases;
  }

  private int betaOffset() {
    return shiftOffset() + activationBases;
  }

  @Override
  public int paramCount() {
    return weightCount() + weightBases + 2 * activationBases;
  }

  /** The shift u_m of weight base m. */
  static double baseShift(int m, int count) {
    return count == 1 ? 0 : -1 + 2.0 * m / (count - 1);
  }

  @Override
  public void initParams(float[] params, SplittableRandom rng) {
    int patch = geometry.patchSize();
    float limit = (float) Math.sqrt(6.0 / (patch + filters));
    for (int i = 0; i < weightCount(); i++) {
      params[paramOffset + i] = (float) ((rng.nextDouble() * 2 - 1) * limit);
    }
    float[] alpha = leastSquaresScales(params);
    System.arraycopy(alpha, 0, params, alphaOffset(), weightBases);
    for (int k = 0; k < activationBases; k++) {
      // thresholds 0.5 − v_n spread over [−1, 1] (0 for one base): the bases cut a normalized input at its quantiles
      double threshold = activationBases == 1 ? 0 : -1 + 2.0 * k / (activationBases - 1);
      params[shiftOffset() + k] = (float) (0.5 - threshold);
      params[betaOffset() + k] = 1f / activationBases;
    }
  }

  @Override
  public Lowering lower(float[] params, float[] state) {
    return new Lowering.Abc(convolution() ? geometry : null, weightBases(params), alphas(params), shifts(params), betas(params));
  }

  /** The weight bases B_m (±1, {@code M × filters × patch}) of the latent weights. */
  public float[] weightBases(float[] params) {
    int count = weightCount();
    double sum = 0;
    for (int i = 0; i < count; i++) {
      sum += params[paramOffset + i];
    }
    double mean = sum / count;
    double sq = 0;
    for (int i = 0; i < count; i++) {
      double d = params[paramOffset + i] - mean;
      sq += d * d;
    }
    double std = Math.sqrt(sq / count);
    float[] b = new float[weightBases * count];
    for (int m = 0; m < weightBases; m++) {
      float shift = (float) (-mean + baseShift(m, weightBases) * std);
      for (int i = 0; i < count; i++) {
        b[m * count + i] = Math.copySign(1f, params[paramOffset + i] + shift + 0f);
      }
    }
    return b;
  }

  /** α minimizing ‖W − Σ α_m B_m‖² (normal equations, solved in double; a tiny ridge keeps them regular). */
  private float[] leastSquaresScales(float[] params) {
    int count = weightCount();
    float[] b = weightBases(params);
    int m = weightBases;
    double[][] a = new double[m][m + 1];
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < m; j++) {
        double dot = 0;
        for (int k = 0; k < count; k++) {
          dot += b[i * count + k] * b[j * count + k];
        }
        a[i][j] = dot + (i == j ? 1e-6 * count : 0);
      }
      double rhs = 0;
      for (int k = 0; k < count; k++) {
        rhs += b[i * count + k] * params[paramOffset + k];
      }
      a[i][m] = rhs;
    }
    for (int col = 0; col < m; col++) { // Gauss-Jordan with partial pivoting
      int pivot = col;
      for (int r = col + 1; r < m; r++) {
        pivot = Math.abs(a[r][col]) > Math.abs(a[pivot][col]) ? r : pivot;
      }
      double[] t = a[col];
      a[col] = a[pivot];
      a[pivot] = t;
      for (int r = 0; r < m; r++) {
        if (r != col) {
          double f = a[r][col] / a[col][col];
          for (int c = col; c <= m; c++) {
            a[r][c] -= f * a[col][c];
          }
        }
      }
    }
    float[] alpha = new float[m];
    for (int i = 0; i < m; i++) {
      alpha[i] = (float) (a[i][m] / a[i][i]);
    }
    return alpha;
  }

  public float[] alphas(float[] params) {
    return java.util.Arrays.copyOfRange(params, alphaOffset(), alphaOffset() + weightBases);
  }

  public float[] shifts(float[] params) {
    return java.util.Arrays.copyOfRange(params, shiftOffset(), shiftOffset() + activationBases);
  }

  public float[] betas(float[] params) {
    return java.util.Arrays.copyOfRange(params, betaOffset(), betaOffset() + activationBases);
  }

  /** Activation base A = H_v(r): the comparison the packed model makes too. */
  public static boolean activationBit(float r, float shift) {
    return r + shift >= 0.5f;
  }

  @Override
  public void forward(Context ctx, float[] x, float[] y, int n) {
    float[] p = ctx.params;
    int patch = geometry.patchSize();
    int rows = n * geometry.positions();
    int count = weightCount();
    bases = weightBases(p);
    if (basesT.length != weightBases) {
      basesT = new float[weightBases][count];
    }
    for (int m = 0; m < weightBases; m++) {
      Dense.transpose(bases, m * count, filters, patch, basesT[m]);
    }
    if (cols.length != activationBases || cols[0].length < rows * patch) {
      cols = new float[activationBases][rows * patch];
      products = new float[weightBases * activationBases][rows * filters];
    }
    if (plane.length < n * inSize) {
      plane = new float[n * inSize];
    }
    for (int k = 0; k < activationBases; k++) {
      float shift = p[shiftOffset() + k];
      for (int i = 0, end = n * inSize; i < end; i++) {
        plane[i] = activationBit(x[i], shift) ? 1f : -1f;
      }
      geometry.im2col(plane, n, cols[k]);
    }
    java.util.Arrays.fill(y, 0, rows * filters, 0f);
    for (int m = 0; m < weightBases; m++) {
      for (int k = 0; k < activationBases; k++) {
        float[] z = products[m * activationBases + k];
        Dense.product(cols[k], rows, patch, basesT[m], filters, z);
        float coef = p[alphaOffset() + m] * p[betaOffset() + k];
        accumulate(y, coef, z, rows * filters);
      }
    }
  }

  /**
   * {@code y += coef · z}, element by element: the packed model combines its integer products with
   * this same function, in the same order of bases.
   */
  public static void accumulate(float[] y, float coef, float[] z, int len) {
    for (int i = 0; i < len; i++) {
      y[i] += coef * z[i];
    }
  }

  @Override
  public void backward(Context ctx, float[] x, float[] y, float[] dy, float[] dx, int n) {
    float[] p = ctx.params;
    float[] g = ctx.grad;
    int patch = geometry.patchSize();
    int rows = n * geometry.positions();
    int count = weightCount();
    if (scaledDy.length < rows * filters) {
      scaledDy = new float[rows * filters];
    }
    // the input side is needed for the shifts' gradient even in a first layer (dx == null)
    if (dcols.length < activationBases * rows * patch) {
      dcols = new float[activationBases * rows * patch];
    }
    java.util.Arrays.fill(dcols, 0, activationBases * rows * patch, 0f);
    for (int m = 0; m < weightBases; m++) {
      float alpha = p[alphaOffset() + m];
      for (int k = 0; k < activationBases; k++) {
        float beta = p[betaOffset() + k];
        float[] z = products[m * activationBases + k];
        double dCoef = 0;
        for (int i = 0, end = rows * filters; i < end; i++) {
          dCoef += (double) dy[i] * z[i];
        }
        g[alphaOffset() + m] += (float) (beta * dCoef);
        g[betaOffset() + k] += (float) (alpha * dCoef);
        float coef = alpha * beta;
        for (int i = 0, end = rows * filters; i < end; i++) {
          scaledDy[i] = coef * dy[i];
        }
        // dL/dB_m (filters × patch) += (coef·dy)ᵀ · cols_k, straight through to W
        GEMM.gemm(filters, patch, rows, scaledDy, 0, 1, filters, cols[k], 0, patch, true, g, paramOffset, patch);
        // dL/dcols_k += (coef·dy) · B_m
        GEMM.gemm(rows, patch, filters, scaledDy, 0, filters, 1, bases, m * count, patch, true, dcols, k * rows * patch, patch);
      }
    }
    if (dx != null) {
      java.util.Arrays.fill(dx, 0, n * inSize, 0f);
    }
    for (int k = 0; k < activationBases; k++) {
      geometry.col2im(dcols, k * rows * patch, n, plane);
      float shift = p[shiftOffset() + k];
      double dShift = 0;
      for (int i = 0, end = n * inSize; i < end; i++) {
        float t = x[i] + shift;
        if (t >= 0f && t <= 1f) { // d clip(R + v, 0, 1)
          if (dx != null) {
            dx[i] += plane[i];
          }
          dShift += plane[i];
        }
      }
      g[shiftOffset() + k] += (float) dShift;
    }
  }

  /** M·N binary products over every output position. */
  @Override
  public long macsPerExample() {
    return (long) weightBases * activationBases * geometry.positions() * geometry.patchSize() * filters;
  }

  @Override
  public int binaryWeightCount() {
    return weightCount();
  }

  @Override
  public String describe() {
    String window = convolution() ? ", " + geometry.kernel() + "×" + geometry.kernel() + "/" + geometry.stride()
        + (geometry.padding() > 0 ? " pad " + geometry.padding() : "") : "";
    return "ABC(" + inShape + "→" + outShape + window + ", M=" + weightBases + " weight bases, N=" + activationBases + " activation bases)";
  }
}
