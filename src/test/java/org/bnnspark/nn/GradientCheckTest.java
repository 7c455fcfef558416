package org.bnnspark.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Every layer's backward against central finite differences of its forward. */
class GradientCheckTest {
  private static final int N = 5;

  /** Scalar objective L = Σ c ⊙ forward(x): its gradients are backward(dy = c). */
  private static double objective(Layer layer, float[] params, float[] state, float[] x, float[] c, boolean training) {
    float[] y = new float[N * layer.outSize()];
    Context ctx = training ? Context.training(params, state, new float[params.length], new double[state.length])
        : Context.inference(params, state);
    layer.forward(ctx, x, y, N);
    double s = 0;
    for (int i = 0; i < y.length; i++) {
      s += (double) c[i] * y[i];
    }
    return s;
  }

  private static double relError(double[] a, double[] b) {
    double diff = 0;
    double na = 0;
    double nb = 0;
    for (int i = 0; i < a.length; i++) {
      diff += (a[i] - b[i]) * (a[i] - b[i]);
      na += a[i] * a[i];
      nb += b[i] * b[i];
    }
    return Math.sqrt(diff) / (Math.sqrt(na) + Math.sqrt(nb) + 1e-12);
  }

  private static float[] random(SplittableRandom rng, int n, double scale) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) (rng.nextGaussian() * scale);
    }
    return v;
  }

  /** Checks d objective / d x and / d params against finite differences. */
  private static void check(Layer layer, float[] params, float[] x, boolean training) {
    checkReturningGrad(layer, params, x, training, true);
  }

  /**
   * Checks d objective / d x, and / d params when {@code checkParams}, against finite differences;
   * returns the backward's parameter gradient for dy = c (c drawn from seed 7).
   */
  private static float[] checkReturningGrad(Layer layer, float[] params, float[] x, boolean training, boolean checkParams) {
    SplittableRandom rng = new SplittableRandom(7);
    float[] state = new float[layer.stateCount()];
    layer.initState(state);
    float[] c = random(rng, N * layer.outSize(), 1);
    float[] y = new float[N * layer.outSize()];
    float[] grad = new float[params.length];
    Context ctx = Context.training(params, state, grad, new double[state.length]);
    Context fwd = training ? ctx : Context.inference(params, state);
    layer.forward(fwd, x, y, N);
    float[] dx = new float[x.length];
    layer.backward(ctx, x, y, c, dx, N);

    java.util.function.DoubleSupplier f = () -> objective(layer, params, state, x, c, training);
    double errX = relError(toDouble(dx), centralDifferences(x, f));
    assertTrue(errX < 1e-3, layer.describe() + " dx rel error " + errX);
    if (checkParams && params.length > 0) {
      double errP = relError(toDouble(grad), centralDifferences(params, f));
      assertTrue(errP < 1e-3, layer.describe() + " dparams rel error " + errP);
    }
    return grad;
  }

  /** d f / d v[i] for every i, by central differences with step 1e-2 (f reads v). */
  static double[] centralDifferences(float[] v, java.util.function.DoubleSupplier f) {
    double h = 1e-2;
    double[] out = new double[v.length];
    for (int i = 0; i < v.length; i++) {
      float keep = v[i];
      v[i] = (float) (keep + h);
      double up = f.getAsDouble();
      v[i] = (float) (keep - h);
      double down = f.getAsDouble();
      v[i] = keep;
      out[i] = (up - down) / (2 * h);
    }
    return out;
  }

  static double[] toDouble(float[] a) {
    double[] d = new double[a.length];
    for (int i = 0; i < a.length; i++) {
      d[i] = a[i];
    }
    return d;
  }

  @Test
  void denseWithBias() {
    SplittableRandom rng = new SplittableRandom(1);
    Dense d = new Dense(7, 4, true);
    check(d, random(rng, d.paramCount(), 0.5), random(rng, N * 7, 1), true);
  }

  @Test
  void batchNormTrainingAndInference() {
    SplittableRandom rng = new SplittableRandom(2);
    BatchNorm bn = new BatchNorm(6, 1e-5f, 0.1f);
    float[] p = random(rng, bn.paramCount(), 1);
    check(bn, p, random(rng, N * 6, 2), true);
    check(bn, p, random(rng, N * 6, 2), false);
  }

  @Test
  void powerOfTwoRounding() {
    assertEquals(0.25f, BatchNorm.ap2(0.3f));
    assertEquals(-4f, BatchNorm.ap2(-3f));
    assertEquals(1f, BatchNorm.ap2(1f));
    assertEquals(0.5f, BatchNorm.ap2(0.7f));
    assertEquals(0f, BatchNorm.ap2(0f));
    assertEquals(1024f, BatchNorm.ap2(1000f));
  }

  /**
   * Shift-based BatchNorm against Hubara et al.'s Algorithm 3 computed here in doubles; in training,
   * dx is the exact BatchNorm's backward evaluated at the rounded values (the STE through AP2), dβ
   * exact, dγ the STE through AP2; in inference mode (frozen statistics) dx against finite differences.
   */
  @Test
  void shiftBasedBatchNorm() {
    SplittableRandom rng = new SplittableRandom(12);
    int f = 4;
    BatchNorm bn = new BatchNorm(Shape.flat(f), 1e-5f, 0.1f, true);
    float[] p = random(rng, bn.paramCount(), 1);
    float[] x = random(rng, N * f, 3);
    float[] state = new float[bn.stateCount()];
    bn.initState(state);
    float[] y = new float[N * f];
    float[] grad = new float[p.length];
    Context ctx = Context.training(p, state, grad, new double[state.length]);
    bn.forward(ctx, x, y, N);
    float[] c = random(new SplittableRandom(7), N * f, 1);
    float[] dx = new float[x.length];
    bn.backward(ctx, x, y, c, dx, N);
    for (int j = 0; j < f; j++) {
      double mean = 0;
      for (int r = 0; r < N; r++) {
        mean += x[r * f + j] / (double) N;
      }
      double apxVar = 0;
      for (int r = 0; r < N; r++) {
        double cc = x[r * f + j] - mean;
        apxVar += cc * Math.signum(cc) * Math.pow(2, Math.round(Math.log(Math.abs(cc)) / Math.log(2))) / N;
      }
      double s = Math.pow(2, Math.round(Math.log(1 / Math.sqrt(apxVar + 1e-5)) / Math.log(2)));
      double gamma = Math.signum(p[j]) * Math.pow(2, Math.round(Math.log(Math.abs(p[j])) / Math.log(2)));
      double sumDy = 0;
      double sumDyXhat = 0;
      for (int r = 0; r < N; r++) {
        double xhat = (x[r * f + j] - mean) * s;
        assertEquals(gamma * xhat + p[f + j], y[r * f + j], 1e-4, "y[" + r + "," + j + "]");
        sumDy += c[r * f + j];
        sumDyXhat += c[r * f + j] * xhat;
      }
      for (int r = 0; r < N; r++) {
        double xhat = (x[r * f + j] - mean) * s;
        double expected = gamma * s / N * (N * c[r * f + j] - sumDy - xhat * sumDyXhat);
        assertEquals(expected, dx[r * f + j], 1e-4, "dx[" + r + "," + j + "]");
      }
      assertEquals(sumDyXhat, grad[j], 1e-3, "dγ through AP2 by the STE");
      assertEquals(sumDy, grad[f + j], 1e-4, "dβ");
    }
    checkReturningGrad(bn, p, x, false, false);
  }

  @Test
  void dropoutDropsAboutItsRateInTrainingAndIsTheIdentityAtInference() {
    SplittableRandom rng = new SplittableRandom(9);
    Dropout d = new Dropout(6, 0.3f);
    float[] x = random(rng, N * 6, 1);
    check(d, new float[0], x, true); // the mask depends only on the pass's noise seed: finite differences see the same one
    float[] y = new float[x.length];
    d.forward(Context.inference(new float[0], new float[0]), x, y, N);
    assertArrayEquals(x, y);
    Dropout big = new Dropout(10_000, 0.3f);
    float[] ones = new float[10_000];
    java.util.Arrays.fill(ones, 1f);
    float[] out = new float[10_000];
    big.forward(Context.training(new float[0], new float[0], new float[0], new double[0], 42), ones, out, 1);
    int zeros = 0;
    for (float v : out) {
      zeros += v == 0f ? 1 : 0;
      assertTrue(v == 0f || Math.abs(v - 1 / 0.7f) < 1e-6, "kept values are scaled by 1/(1 − rate): " + v);
    }
    assertEquals(3000, zeros, 150, "dropped share");
  }

  @Test
  void learnedShift() {
    SplittableRandom rng = new SplittableRandom(8);
    Shift shift = new Shift(6);
    check(shift, random(rng, shift.paramCount(), 1), random(rng, N * 6, 1), true);
  }

  @Test
  void hardTanhAwayFromItsKinks() {
    SplittableRandom rng = new SplittableRandom(3);
    float[] x = random(rng, N * 8, 1);
    for (int i = 0; i < x.length; i++) {
      if (Math.abs(Math.abs(x[i]) - 1) < 0.05) {
        x[i] *= 0.5f; // finite differences straddling a kink measure nothing useful
      }
    }
    check(new Activation(8, Activation.Kind.HARDTANH), new float[0], x, true);
  }

  @Test
  void binaryDenseInputGradientIsExactAndWeightGradientIsTheSte() {
    SplittableRandom rng = new SplittableRandom(4);
    int in = 9;
    int out = 3;
    BinaryDense bd = new BinaryDense(in, out, true, Quantizer.STE_SIGN);
    float[] latent = random(rng, bd.paramCount(), 0.7);
    latent[0] = 1.5f; // outside [−1, 1]: the STE must block its gradient
    float[] x = random(rng, N * in, 1);
    float[] c = random(rng, N * out, 1);

    // the same layer with real weights = sign(latent): its exact gradient is dL/dW_b
    Dense real = new Dense(in, out, true);
    float[] binarized = latent.clone();
    for (int i = 0; i < in * out; i++) {
      binarized[i] = BitPacking_sign(latent[i]);
    }
    check(real, binarized.clone(), x.clone(), true);

    float[] gradB = new float[latent.length];
    float[] y = new float[N * out];
    Context ctx = Context.training(latent, new float[0], gradB, new double[0]);
    bd.forward(ctx, x, y, N);
    float[] dxB = new float[x.length];
    bd.backward(ctx, x, y, c, dxB, N);

    float[] gradR = new float[latent.length];
    float[] yR = new float[N * out];
    Context ctxR = Context.training(binarized, new float[0], gradR, new double[0]);
    real.forward(ctxR, x, yR, N);
    float[] dxR = new float[x.length];
    real.backward(ctxR, x, yR, c, dxR, N);

    assertEquals(0f, gradB[0], "|w| > 1: STE gradient is 0");
    for (int i = 0; i < latent.length; i++) {
      float mask = i < in * out ? (Math.abs(latent[i]) <= 1 ? 1f : 0f) : 1f;
      assertEquals(gradR[i] * mask, gradB[i], 1e-6, "param " + i);
    }
    for (int i = 0; i < x.length; i++) {
      assertEquals(dxR[i], dxB[i], 1e-6);
      assertEquals(yR[i % yR.length], y[i % y.length], 1e-6);
    }
  }

  @Test
  void scaledBinaryDenseGradients() {
    for (BinaryDense.Scale scale : new BinaryDense.Scale[] {BinaryDense.Scale.MEAN_ABS, BinaryDense.Scale.LEARNED}) {
      checkScaled(scale);
    }
  }

  /**
   * Forward = α_j · (x · sign(W_j)); finite differences see every gradient term except the STE's
   * through sign (signs do not flip under a small step): the α term of MEAN_ABS on the weights, the
   * learned scale's own gradient for LEARNED. The STE term α_j Σ_r c_rj x_rk (on |w| ≤ 1) is added.
   */
  private static void checkScaled(BinaryDense.Scale scale) {
    SplittableRandom rng = new SplittableRandom(5);
    int in = 7;
    int out = 3;
    BinaryDense bd = new BinaryDense(in, out, false, Quantizer.STE_SIGN, scale);
    float[] latent = new float[bd.paramCount()];
    bd.initParams(latent, rng);
    for (int i = 0; i < in * out; i++) { // keep every weight 2h away from 0 so finite differences never flip a sign
      float w = (float) (rng.nextGaussian() * 0.5);
      latent[i] = Math.copySign(Math.max(0.05f, Math.abs(w)), w);
    }
    latent[1] = 1.4f; // outside [−1, 1]: the STE blocks it
    float[] x = random(rng, N * in, 1);
    float[] c = random(rng, N * out, 1);
    float[] grad = new float[latent.length];
    float[] y = new float[N * out];
    Context ctx = Context.training(latent, new float[0], grad, new double[0]);
    bd.forward(ctx, x, y, N);
    float[] alpha = bd.alpha(latent);
    for (int r = 0; r < N; r++) {
      for (int j = 0; j < out; j++) {
        double z = 0;
        for (int i = 0; i < in; i++) {
          z += x[r * in + i] * BitPacking_sign(latent[j * in + i]);
        }
        assertEquals(alpha[j] * z, y[r * out + j], 1e-5, scale + " forward");
      }
    }
    float[] dx = new float[x.length];
    bd.backward(ctx, x, y, c, dx, N);

    java.util.function.DoubleSupplier f = () -> objective(bd, latent, new float[0], x, c, true);
    assertTrue(relError(toDouble(dx), centralDifferences(x, f)) < 1e-3, scale + " dx");
    double[] expected = centralDifferences(latent, f);
    for (int j = 0; j < out; j++) {
      for (int k = 0; k < in; k++) {
        double ste = 0;
        for (int r = 0; r < N; r++) {
          ste += c[r * out + j] * x[r * in + k];
        }
        int w = j * in + k;
        expected[w] += Math.abs(latent[w]) <= 1 ? alpha[j] * ste : 0;
      }
    }
    double err = relError(toDouble(grad), expected);
    assertTrue(err < 1e-3, scale + " dparams rel error " + err);
  }

  private static float BitPacking_sign(float v) {
    return org.bnnspark.bits.BitPacking.sign(v);
  }

  @Test
  void signActivationIsTheClippedSte() {
    Activation s = new Activation(4, Quantizer.STE_SIGN);
    float[] x = {-2f, -1f, -0.3f, 0f, 0.3f, 1f, 2f, -0f};
    float[] y = new float[8];
    s.forward(Context.inference(new float[0], new float[0]), x, y, 2);
    assertEquals(List.of(-1f, -1f, -1f, 1f, 1f, 1f, 1f, 1f), toList(y));
    float[] dy = {1, 2, 3, 4, 5, 6, 7, 8};
    float[] dx = new float[8];
    s.backward(Context.training(new float[0], new float[0], new float[0], new double[0]), x, y, dy, dx, 2);
    assertEquals(List.of(0f, 2f, 3f, 4f, 5f, 6f, 0f, 8f), toList(dx));

    Activation approx = new Activation(4, Quantizer.APPROX_SIGN);
    approx.backward(Context.training(new float[0], new float[0], new float[0], new double[0]), x, y, dy, dx, 2);
    assertEquals(List.of(0f, 0f, 3f * 1.4f, 8f, 5f * 1.4f, 0f, 0f, 16f), toList(dx));
  }

  private static List<Float> toList(float[] a) {
    Float[] b = new Float[a.length];
    for (int i = 0; i < a.length; i++) {
      b[i] = a[i];
    }
    return List.of(b);
  }

  @Test
  void softmaxCrossEntropyGradient() {
    SplittableRandom rng = new SplittableRandom(5);
    int k = 4;
    float[] z = random(rng, N * k, 2);
    int[] labels = {0, 3, 1, 2, 3};
    float[] dz = new float[z.length];
    int[] hits = new int[1];
    SoftmaxCrossEntropy.lossAndGradient(z, labels, 0, N, k, dz, hits);
    double err = relError(toDouble(dz), centralDifferences(z,
        () -> SoftmaxCrossEntropy.lossAndGradient(z, labels, 0, N, k, new float[z.length], hits)));
    assertTrue(err < 1e-3, "softmax CE rel error " + err);
  }

  @Test
  void wholeRealNetworkAgainstFiniteDifferences() {
    // With 5 rows |x̂| ≤ 2, so γ = 0.4 keeps every BN output inside HardTanh's linear part:
    // no finite difference straddles a kink, yet the gradient still flows through all four layers.
    assertNetworkGradient("""
        {"input_size": 6, "classes": 3, "layers": [
          {"type": "dense", "units": 5}, {"type": "batch_norm"}, {"type": "hardtanh"},
          {"type": "dense", "units": 3}]}""", 3, 0.5, p -> java.util.Arrays.fill(p, 6 * 5 + 5, 6 * 5 + 10, 0.4f));
  }

  /** The whole network's parameter gradient (softmax cross-entropy, training mode) against finite differences. */
  private static void assertNetworkGradient(String cfg, long seed, double inputScale, java.util.function.Consumer<float[]> adjust) {
    Network net = new Network(NetworkSpec.parse(ConfigNode.parse(cfg, "test")));
    float[] params = net.initParams(seed);
    adjust.accept(params);
    float[] state = net.initState();
    SplittableRandom rng = new SplittableRandom(seed + 100);
    float[] x = random(rng, N * net.inputSize(), inputScale);
    int[] labels = {0, 1, 2, 1, 0};
    float[] grad = new float[params.length];
    net.trainBatch(params, state, x, labels, N, grad, new double[state.length]);
    double err = relError(toDouble(grad), centralDifferences(params,
        () -> net.trainBatch(params, state, x, labels, N, new float[params.length], new double[state.length]).lossSum()));
    assertTrue(err < 1e-3, "network rel error " + err);
  }


  @Test
  void convolutionIsTheDirectSumWithZeroPaddingAndItsGradientsMatch() {
    SplittableRandom rng = new SplittableRandom(11);
    Shape in = new Shape(5, 6, 2);
    ConvGeometry g = new ConvGeometry(in, 3, 2, 1);
    Conv2d conv = new Conv2d(g, 3, new Dense(g.patchSize(), 3, true));
    assertEquals(new Shape(3, 3, 3), conv.outShape());
    float[] p = random(rng, conv.paramCount(), 0.5);
    float[] x = random(rng, N * in.size(), 1);
    float[] y = new float[N * conv.outSize()];
    conv.forward(Context.inference(p, new float[0]), x, y, N);
    for (int r = 0; r < N; r++) { // y[r][oy][ox][f] = b_f + Σ w[f][ky][kx][c] · x[r][oy·2−1+ky][ox·2−1+kx][c], outside = 0
      for (int oy = 0; oy < 3; oy++) {
        for (int ox = 0; ox < 3; ox++) {
          for (int f = 0; f < 3; f++) {
            double sum = p[3 * g.patchSize() + f];
            for (int ky = 0; ky < 3; ky++) {
              for (int kx = 0; kx < 3; kx++) {
                int iy = oy * 2 - 1 + ky;
                int ix = ox * 2 - 1 + kx;
                for (int c = 0; c < 2; c++) {
                  if (iy >= 0 && iy < 5 && ix >= 0 && ix < 6) {
                    sum += p[f * g.patchSize() + (ky * 3 + kx) * 2 + c] * x[r * in.size() + (iy * 6 + ix) * 2 + c];
                  }
                }
              }
            }
            assertEquals(sum, y[r * 27 + (oy * 3 + ox) * 3 + f], 1e-4);
          }
        }
      }
    }
    check(conv, p, x, true);
  }

  @Test
  void binaryConvolutionIsTheRealConvolutionOfTheSignsWithTheSte() {
    SplittableRandom rng = new SplittableRandom(12);
    ConvGeometry g = new ConvGeometry(new Shape(4, 4, 3), 3, 1, 1);
    Conv2d binary = new Conv2d(g, 2, new BinaryDense(g.patchSize(), 2, false, Quantizer.STE_SIGN, BinaryDense.Scale.MEAN_ABS));
    Conv2d real = new Conv2d(g, 2, new Dense(g.patchSize(), 2, false));
    float[] latent = random(rng, binary.paramCount(), 0.6);
    float[] signs = latent.clone();
    float[] alpha = ((BinaryDense) binary.product()).alpha(latent);
    for (int i = 0; i < signs.length; i++) {
      signs[i] = BitPacking_sign(latent[i]) * alpha[i / g.patchSize()];
    }
    float[] x = random(rng, N * 48, 1);
    float[] c = random(rng, N * binary.outSize(), 1);
    float[] yb = new float[N * binary.outSize()];
    float[] yr = new float[yb.length];
    Context cb = Context.training(latent, new float[0], new float[latent.length], new double[0]);
    Context cr = Context.training(signs, new float[0], new float[latent.length], new double[0]);
    binary.forward(cb, x, yb, N);
    real.forward(cr, x, yr, N);
    assertArrayEquals(yr, yb, 1e-4f);
    float[] dxb = new float[x.length];
    float[] dxr = new float[x.length];
    binary.backward(cb, x, yb, c, dxb, N);
    real.backward(cr, x, yr, c, dxr, N);
    assertArrayEquals(dxr, dxb, 1e-4f, "dx goes through α·sign(W) exactly");
    assertEquals(binary.paramCount(), binary.binaryWeightCount());
  }

  /**
   * XNOR-Net++'s Γ = α ⊗ β ⊗ γ: the output is α_c β_y γ_x times the real convolution of the signs;
   * dx and the gradients of α, β and γ match finite differences (the weights' own is the STE's,
   * checked above).
   */
  @Test
  void factorizedLearnedScaleOverChannelHeightAndWidth() {
    SplittableRandom rng = new SplittableRandom(13);
    ConvGeometry g = new ConvGeometry(new Shape(4, 5, 2), 3, 1, 1);
    Conv2d conv = new Conv2d(g, 3, new BinaryDense(g.patchSize(), 3, false, Quantizer.STE_SIGN, BinaryDense.Scale.LEARNED_CHW), List.of(new Conv2d.SpatialScale()));
    int weights = conv.binaryWeightCount();
    assertEquals(weights + 3 + 4 + 5, conv.paramCount(), "α per filter, β per output row, γ per output column");
    float[] p = new float[conv.paramCount()];
    conv.initParams(p, rng);
    for (int i = 0; i < weights; i++) { // away from 0: finite differences never flip a sign
      float w = (float) (rng.nextGaussian() * 0.5);
      p[i] = Math.copySign(Math.max(0.05f, Math.abs(w)), w);
    }
    for (int i = weights; i < p.length; i++) {
      p[i] = (float) (0.5 + rng.nextDouble());
    }
    Conv2d real = new Conv2d(g, 3, new Dense(g.patchSize(), 3, false));
    float[] signs = new float[real.paramCount()];
    for (int i = 0; i < weights; i++) {
      signs[i] = BitPacking_sign(p[i]);
    }
    float[] x = random(rng, N * g.input().size(), 1);
    float[] yr = new float[N * conv.outSize()];
    real.forward(Context.inference(signs, new float[0]), x, yr, N);
    float[] y = new float[yr.length];
    conv.forward(Context.inference(p, new float[0]), x, y, N);
    float[][] f = conv.spatialFactors(p);
    for (int i = 0; i < y.length; i++) {
      int position = (i / 3) % 20;
      double gamma = p[weights + i % 3] * f[0][position / 5] * f[1][position % 5];
      assertEquals(gamma * yr[i], y[i], 1e-4, "Γ ⊙ (x ⊛ sign W) at " + i);
    }
    float[] grad = checkReturningGrad(conv, p, x, true, false);
    float[] c = random(new SplittableRandom(7), N * conv.outSize(), 1);
    double[] expected = centralDifferences(p, () -> objective(conv, p, new float[0], x, c, true));
    double[] scales = java.util.Arrays.copyOfRange(expected, weights, p.length);
    double err = relError(toDouble(java.util.Arrays.copyOfRange(grad, weights, p.length)), scales);
    assertTrue(err < 1e-3, "dα, dβ, dγ rel error " + err);
  }

  /**
   * XNOR-Net's activation scale: output = K_p · α_c · (sign(I) ⊛ sign(W)) with K_p = mean |I| over the
   * window (padding counted as 0); dx = the STE through sign(I) of the product's gradient (checked
   * against a sign layer + plain binary convolution) plus K's exact term (finite differences, with
   * inputs kept away from 0 so no sign flips); dα by finite differences.
   */
  @Test
  void activationScaleKOverEachWindow() {
    for (boolean dense : new boolean[] {false, true}) {
      SplittableRandom rng = new SplittableRandom(14);
      Shape in = dense ? Shape.flat(11) : new Shape(4, 5, 2);
      ConvGeometry g = new ConvGeometry(in, dense ? 1 : 3, 1, dense ? 0 : 1);
      Conv2d conv = new Conv2d(g, 3, new BinaryDense(g.patchSize(), 3, false, Quantizer.STE_SIGN, BinaryDense.Scale.LEARNED), List.of(new Conv2d.ActivationScale()));
      Conv2d plain = new Conv2d(g, 3, new BinaryDense(g.patchSize(), 3, false, Quantizer.STE_SIGN, BinaryDense.Scale.LEARNED));
      float[] p = new float[conv.paramCount()];
      conv.initParams(p, rng);
      int weights = conv.binaryWeightCount();
      for (int i = 0; i < weights; i++) {
        float w = (float) (rng.nextGaussian() * 0.5);
        p[i] = Math.copySign(Math.max(0.05f, Math.abs(w)), w);
      }
      float[] x = random(rng, N * in.size(), 1);
      for (int i = 0; i < x.length; i++) {
        x[i] = Math.copySign(Math.max(0.05f, Math.abs(x[i])), x[i]);
      }
      x[3] = 1.6f; // outside the STE's window
      float[] signs = new float[x.length];
      for (int i = 0; i < x.length; i++) {
        signs[i] = x[i] >= 0 ? 1f : -1f;
      }
      int rows = N * g.positions();
      float[] k = new float[rows];
      float[] windows = new float[rows * g.patchSize()];
      g.im2col(x, N, windows);
      for (int r = 0; r < rows; r++) {
        double sum = 0;
        for (int t = 0; t < g.patchSize(); t++) {
          sum += Math.abs(windows[r * g.patchSize() + t]);
        }
        k[r] = (float) (sum / g.patchSize());
      }
      Context cp = Context.training(p, new float[0], new float[p.length], new double[0]);
      float[] yPlain = new float[N * conv.outSize()];
      plain.forward(cp, signs, yPlain, N);
      float[] y = new float[yPlain.length];
      Context ck = Context.training(p, new float[0], new float[p.length], new double[0]);
      conv.forward(ck, x, y, N);
      for (int i = 0; i < y.length; i++) {
        assertEquals(k[i / 3] * yPlain[i], y[i], 1e-4, "K ⊙ α (sign I ⊛ sign W) at " + i);
      }
      float[] c = random(new SplittableRandom(7), y.length, 1);
      float[] dx = new float[x.length];
      conv.backward(ck, x, y, c, dx, N);
      float[] cK = c.clone();
      Conv2d.scaleRows(cK, k, rows, 3);
      float[] dSigns = new float[x.length];
      plain.backward(cp, signs, yPlain, cK, dSigns, N);
      double[] expected = centralDifferences(x, () -> objective(conv, p, new float[0], x, c, true));
      for (int i = 0; i < x.length; i++) {
        expected[i] += Math.abs(x[i]) <= 1 ? dSigns[i] : 0;
      }
      double err = relError(toDouble(dx), expected);
      assertTrue(err < 1e-3, (dense ? "dense" : "conv") + " dx rel error " + err);
      double[] dAlpha = java.util.Arrays.copyOfRange(centralDifferences(p, () -> objective(conv, p, new float[0], x, c, true)), weights, p.length);
      double errAlpha = relError(toDouble(java.util.Arrays.copyOfRange(ck.grad, weights, p.length)), dAlpha);
      assertTrue(errAlpha < 1e-3, "dα rel error " + errAlpha);
    }
  }

  @Test
  void maxPoolRoutesTheGradientToTheMaximum() {
    Shape in = new Shape(4, 5, 2);
    MaxPool2d pool = new MaxPool2d(in, 2, 2);
    assertEquals(new Shape(2, 2, 2), pool.outShape());
    int len = N * in.size();
    int[] order = new SplittableRandom(13).ints(0, Integer.MAX_VALUE).limit(len).toArray();
    float[] x = new float[len];
    for (int i = 0; i < len; i++) { // distinct values 0.1 apart: a finite-difference step never swaps a maximum
      x[i] = (float) (0.1 * Math.floorMod(order[i], 1000) + 0.001 * i);
    }
    check(pool, new float[0], x, true);
  }

  @Test
  void averagePoolingIsTheWindowMeanAndItsGradientSpreadsEvenly() {
    SplittableRandom rng = new SplittableRandom(15);
    Shape in = new Shape(5, 4, 3);
    AvgPool2d overlapping = new AvgPool2d(in, 2, 2, 1); // windows overlap: an input collects several shares
    assertEquals(new Shape(4, 3, 3), overlapping.outShape());
    float[] x = random(rng, N * in.size(), 1);
    check(overlapping, new float[0], x, true);
    AvgPool2d global = (AvgPool2d) LayerSpec.parse(ConfigNode.parse("{\"type\": \"global_avg_pool\"}", "t")).build(in);
    assertEquals(new Shape(1, 1, 3), global.outShape());
    check(global, new float[0], x, false);
    float[] y = new float[N * 3];
    global.forward(Context.inference(new float[0], new float[0]), x, y, N);
    for (int r = 0; r < N; r++) { // the direct mean of each channel over the 20 pixels
      for (int k = 0; k < 3; k++) {
        double mean = 0;
        for (int p = 0; p < 20; p++) {
          mean += x[r * in.size() + p * 3 + k];
        }
        assertEquals(mean / 20, y[r * 3 + k], 1e-5);
      }
    }
    AvgPool2d strided = (AvgPool2d) LayerSpec.parse(ConfigNode.parse("{\"type\": \"avg_pool2d\", \"pool\": 2}", "t")).build(in);
    assertEquals(new Shape(2, 2, 3), strided.outShape());
    check(strided, new float[0], x, true);
    assertThrows(IllegalArgumentException.class, () -> new AvgPool2d(Shape.flat(12), 2, 2, 2));
  }

  @Test
  void batchNormAndShiftOnImagesArePerChannel() {
    SplittableRandom rng = new SplittableRandom(14);
    Shape in = new Shape(3, 2, 4);
    BatchNorm bn = new BatchNorm(in, 1e-5f, 0.1f, false);
    assertEquals(8, bn.paramCount());
    float[] p = random(rng, bn.paramCount(), 1);
    check(bn, p, random(rng, N * in.size(), 2), true);
    check(bn, p, random(rng, N * in.size(), 2), false);
    // in training every channel comes out with mean β over all N·6 positions
    float[] x = random(rng, N * in.size(), 3);
    float[] y = new float[x.length];
    bn.forward(Context.training(p, new float[8], new float[8], new double[8]), x, y, N);
    for (int ch = 0; ch < 4; ch++) {
      double mean = 0;
      for (int i = ch; i < y.length; i += 4) {
        mean += y[i];
      }
      assertEquals(p[4 + ch], mean / (N * 6), 1e-4);
    }
    Shift shift = new Shift(in);
    assertEquals(4, shift.paramCount());
    check(shift, random(rng, 4, 1), random(rng, N * in.size(), 1), true);
  }

  @Test
  void wholeConvolutionalNetworkAgainstFiniteDifferences() {
    // no kinks (pooling, clips) in the chain: a finite-difference step that swaps a maximum measures
    // nothing; pooling has its own check above with well-separated values
    assertNetworkGradient("""
        {"input_shape": [6, 6, 1], "classes": 3, "layers": [
          {"type": "conv2d", "filters": 2, "kernel": 3, "padding": 1, "stride": 2}, {"type": "batch_norm"},
          {"type": "shift"}, {"type": "flatten"}, {"type": "dense", "units": 3}]}""", 3, 0.5, p -> {});
  }


  /**
   * ABC-Net: the forward is Σ_m Σ_n α_m β_n (A_n ⊛ B_m) with the paper's bases; α and β get their
   * exact gradients (finite differences see them: no base flips under a step of α or β); with one
   * base each, W and the input get α·β times the gradients of the real convolution of A by B (the
   * STE), the input's masked to the window 0 ≤ R + v ≤ 1.
   */
  @Test
  void abcNetBasesAndGradients() {
    SplittableRandom rng = new SplittableRandom(16);
    ConvGeometry g = new ConvGeometry(new Shape(5, 5, 2), 3, 1, 1);
    AbcLayer abc = new AbcLayer(g, 3, 3, 2);
    float[] p = new float[abc.paramCount()];
    abc.initParams(p, rng);
    float[] x = random(rng, N * 50, 1);
    float[] y = new float[N * abc.outSize()];
    abc.forward(Context.inference(p, new float[0]), x, y, N);
    float[] b = abc.weightBases(p);
    float[] alpha = abc.alphas(p);
    float[] v = abc.shifts(p);
    float[] beta = abc.betas(p);
    int patch = g.patchSize();
    for (int m = 0; m < 3; m++) { // B_m = sign(W − mean + u_m std) with u = −1, 0, 1
      double mean = 0;
      for (int i = 0; i < 3 * patch; i++) {
        mean += p[i] / (3.0 * patch);
      }
      double var = 0;
      for (int i = 0; i < 3 * patch; i++) {
        var += (p[i] - mean) * (p[i] - mean) / (3.0 * patch);
      }
      for (int i = 0; i < 3 * patch; i++) {
        double t = p[i] - mean + (m - 1) * Math.sqrt(var);
        if (Math.abs(t) > 1e-5) {
          assertEquals(t >= 0 ? 1f : -1f, b[m * 3 * patch + i]);
        }
      }
    }
    float[] cols = new float[N * g.positions() * patch];
    float[] plane = new float[x.length];
    double[] expected = new double[y.length];
    for (int k = 0; k < 2; k++) {
      for (int i = 0; i < x.length; i++) {
        plane[i] = x[i] + v[k] >= 0.5f ? 1f : -1f;
      }
      g.im2col(plane, N, cols);
      for (int m = 0; m < 3; m++) {
        for (int r = 0; r < N * g.positions(); r++) {
          for (int f = 0; f < 3; f++) {
            double z = 0;
            for (int i = 0; i < patch; i++) {
              z += cols[r * patch + i] * b[(m * 3 + f) * patch + i];
            }
            expected[r * 3 + f] += alpha[m] * beta[k] * z;
          }
        }
      }
    }
    assertTrue(relError(expected, toDouble(y)) < 1e-6, "forward");

    float[] c = random(rng, y.length, 1);
    float[] grad = new float[p.length];
    Context ctx = Context.training(p, new float[0], grad, new double[0]);
    abc.forward(ctx, x, y, N);
    abc.backward(ctx, x, y, c, new float[x.length], N);
    java.util.function.DoubleSupplier f = () -> objective(abc, p, new float[0], x, c, true);
    double[] fd = centralDifferences(p, f);
    int alphaOff = 3 * patch;
    for (int i : new int[] {alphaOff, alphaOff + 1, alphaOff + 2, alphaOff + 5, alphaOff + 6}) { // α_0..2, β_0..1
      assertEquals(fd[i], grad[i], 1e-3 * (1 + Math.abs(fd[i])), "scale parameter " + i);
    }

    // one base each: the STE gradients are α·β times those of the real convolution of A_0 by B_0
    AbcLayer one = new AbcLayer(g, 3, 1, 1);
    float[] q = new float[one.paramCount()];
    one.initParams(q, rng);
    float a0 = q[alphaOff];
    float b0 = q[alphaOff + 2];
    float v0 = q[alphaOff + 1];
    Conv2d real = new Conv2d(g, 3, new Dense(patch, 3, false));
    float[] basis = one.weightBases(q);
    float[] signs = new float[x.length];
    for (int i = 0; i < x.length; i++) {
      signs[i] = x[i] + v0 >= 0.5f ? 1f : -1f;
    }
    float[] gradOne = new float[q.length];
    Context ctxOne = Context.training(q, new float[0], gradOne, new double[0]);
    float[] yOne = new float[y.length];
    one.forward(ctxOne, x, yOne, N);
    float[] dxOne = new float[x.length];
    one.backward(ctxOne, x, yOne, c, dxOne, N);
    float[] gradReal = new float[basis.length];
    Context ctxReal = Context.training(basis, new float[0], gradReal, new double[0]);
    float[] yReal = new float[y.length];
    real.forward(ctxReal, signs, yReal, N);
    float[] dxReal = new float[x.length];
    real.backward(ctxReal, signs, yReal, c, dxReal, N);
    for (int i = 0; i < basis.length; i++) {
      assertEquals(a0 * b0 * gradReal[i], gradOne[i], 1e-4 * (1 + Math.abs(gradOne[i])), "dW " + i);
    }
    for (int i = 0; i < x.length; i++) {
      float t = x[i] + v0;
      float window = t >= 0f && t <= 1f ? 1f : 0f;
      assertEquals(a0 * b0 * dxReal[i] * window, dxOne[i], 1e-4 * (1 + Math.abs(dxOne[i])), "dx " + i);
    }
  }

  @Test
  void rpreluAwayFromItsKink() {
    SplittableRandom rng = new SplittableRandom(17);
    Shape in = new Shape(2, 3, 4);
    RPRelu r = new RPRelu(in);
    float[] p = random(rng, r.paramCount(), 0.3);
    float[] x = random(rng, N * in.size(), 1);
    for (int i = 0; i < x.length; i++) {
      float gamma = p[i % 4];
      if (Math.abs(x[i] - gamma) < 0.05) {
        x[i] = gamma + 0.3f; // finite differences across the kink measure nothing useful
      }
    }
    check(r, p, x, true);
  }

  @Test
  void tanhCompressedDenseAndTanh() {
    SplittableRandom rng = new SplittableRandom(18);
    CompressedDense d = new CompressedDense(6, 4, true);
    float[] p = random(rng, d.paramCount(), 0.8);
    check(d, p, random(rng, N * 6, 1), true);
    float[] w = d.inferenceWeights(p);
    for (int i = 0; i < w.length; i++) {
      assertEquals(Math.tanh(p[i]), w[i], 1e-6);
    }
    check(new Activation(Shape.flat(5), Activation.Kind.TANH), new float[0], random(rng, N * 5, 1.5), true);
  }

  @Test
  void residualBlockAgainstFiniteDifferences() {
    String cfg = """
        {"input_size": 6, "classes": 3, "layers": [
          {"type": "dense", "units": 5},
          {"type": "residual", "layers": [{"type": "dense", "units": 4}, {"type": "batch_norm"}, {"type": "shift"}, {"type": "dense", "units": 5}]},
          {"type": "dense", "units": 3}]}""";
    Network net = new Network(NetworkSpec.parse(ConfigNode.parse(cfg, "test")));
    assertEquals(6 * 5 + 5 + (5 * 4 + 4) + 8 + 4 + (4 * 5 + 5) + 5 * 3 + 3, net.paramCount());
    assertEquals(8, net.stateCount());
    assertNetworkGradient(cfg, 4, 0.5, p -> {});
  }

}
