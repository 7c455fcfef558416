package org.bnnspark.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The training forward's fast products against the plain float reference, bit for bit: the XNOR
 * product of ±1 inputs, and the float product in both orientations (weights or activations
 * transposed), at word boundaries.
 */
class TrainingForwardTest {
  private static final int[] SIZES = {1, 31, 32, 33, 63, 64, 65, 128, 130};

  /** y[r][j] = FMA chain over i of x[r][i]·w[j][i]: what FloatGemm computes for every element. */
  private static float[] reference(float[] x, float[] w, int n, int in, int out) {
    float[] y = new float[n * out];
    for (int r = 0; r < n; r++) {
      for (int j = 0; j < out; j++) {
        float s = 0f;
        for (int i = 0; i < in; i++) {
          s = Math.fma(x[r * in + i], w[j * in + i], s);
        }
        y[r * out + j] = s;
      }
    }
    return y;
  }

  private static BinaryDense binaryLayer(int in, int out, boolean bias) {
    BinaryDense layer = new BinaryDense(in, out, bias, Quantizer.byName("ste_sign"));
    layer.place(0, 0, 0);
    return layer;
  }

  /** Latent weights (and bias) uniform on (−1, 1). */
  private static float[] latentWeights(Layer layer, SplittableRandom rng) {
    float[] params = new float[layer.paramCount()];
    for (int i = 0; i < params.length; i++) {
      params[i] = (float) (rng.nextDouble() * 2 - 1);
    }
    return params;
  }

  @Test
  void binaryLayerOnSignInputsGivesTheFloatProductsBits() {
    SplittableRandom rng = new SplittableRandom(1);
    for (int in : SIZES) {
      for (int n : new int[] {1, 5, 50}) {
        int out = 1 + rng.nextInt(40);
        BinaryDense layer = binaryLayer(in, out, true);
        float[] params = latentWeights(layer, rng);
        params[0] = -0f; // sign(−0) = +1, as everywhere
        float[] x = new float[n * in];
        for (int i = 0; i < x.length; i++) {
          x[i] = rng.nextBoolean() ? 1f : -1f;
        }
        float[] y = new float[n * out];
        layer.forward(Context.inference(params, new float[0]), x, y, n);
        float[] wb = layer.inferenceWeights(params);
        float[] want = reference(x, wb, n, in, out);
        for (int r = 0; r < n; r++) {
          for (int j = 0; j < out; j++) {
            want[r * out + j] += params[in * out + j];
          }
        }
        assertArrayEquals(want, y, "in=" + in + " n=" + n + " out=" + out);
        assertTrue(layer.lastProductWasBinary(), "±1 inputs take the XNOR product");

        // one input that is not ±1: the float product, same values for the ±1 part (a single
        // input of 0.3 is still of one magnitude, and exact)
        x[x.length - 1] = 0.3f;
        layer.forward(Context.inference(params, new float[0]), x, y, n);
        assertEquals(x.length == 1, layer.lastProductWasBinary(), "a real input takes the float product");
        float[] wantReal = reference(x, wb, n, in, out);
        for (int r = 0; r < n; r++) {
          for (int j = 0; j < out; j++) {
            wantReal[r * out + j] += params[in * out + j];
          }
        }
        assertArrayEquals(wantReal, y, "real input, in=" + in);
      }
    }
  }

  @Test
  void floatProductIsTheSameChainWhicheverSideIsTransposed() {
    SplittableRandom rng = new SplittableRandom(2);
    for (int in : SIZES) {
      // few rows (activations transposed) and many rows (weights transposed)
      for (int n : new int[] {1, 3, 200}) {
        int out = 1 + rng.nextInt(70);
        Dense layer = new Dense(in, out, false);
        layer.place(0, 0, 0);
        float[] params = new float[layer.paramCount()];
        for (int i = 0; i < params.length; i++) {
          params[i] = (float) rng.nextGaussian();
        }
        float[] x = new float[n * in];
        for (int i = 0; i < x.length; i++) {
          x[i] = (float) rng.nextGaussian();
        }
        float[] y = new float[n * out];
        layer.forward(Context.inference(params, new float[0]), x, y, n);
        assertArrayEquals(reference(x, params, n, in, out), y, "in=" + in + " n=" + n + " out=" + out);
      }
    }
  }

  @Test
  void inputsAfterDropoutOnSignsTakeTheTernaryProductWhenItIsExact() {
    SplittableRandom rng = new SplittableRandom(3);
    // {0, ±1.25} (dropout 0.2 after a sign) is exact; {0, ±1/0.7} is not, and falls back
    for (float c : new float[] {1.25f, 2f, (float) (1 / 0.7)}) {
      for (int in : SIZES) {
        int n = 7;
        int out = 1 + rng.nextInt(30);
        BinaryDense layer = binaryLayer(in, out, false);
        float[] params = latentWeights(layer, rng);
        float[] x = new float[n * in];
        for (int i = 0; i < x.length; i++) {
          int t = rng.nextInt(5);
          x[i] = t == 0 ? 0f : t % 2 == 0 ? c : -c;
        }
        float[] y = new float[n * out];
        layer.forward(Context.inference(params, new float[0]), x, y, n);
        assertArrayEquals(reference(x, layer.inferenceWeights(params), n, in, out), y, "c=" + c + " in=" + in);
        // 1/0.7 has 23 significant bits: c·k is exact only for |k| ≤ 1
        assertEquals(c != (float) (1 / 0.7) || in == 1, layer.lastProductWasBinary(), "c=" + c + " in=" + in);
      }
    }
  }

  @Test
  void firstLayerOnEightBitLevelsTakesTheFloatProduct() {
    SplittableRandom rng = new SplittableRandom(4);
    for (int in : new int[] {1, 63, 64, 65, 130, 784}) {
      int n = 1 + rng.nextInt(9);
      int out = 1 + rng.nextInt(40);
      BinaryDense layer = binaryLayer(in, out, false);
      float[] params = latentWeights(layer, rng);
      float[] x = new float[n * in];
      for (int i = 0; i < x.length; i++) {
        // pixels: mostly level 0, some 255, the rest anywhere
        int t = rng.nextInt(4);
        x[i] = NetworkSpec.levelValue(t == 0 ? 0 : t == 1 ? 255 : rng.nextInt(256));
      }
      float[] y = new float[n * out];
      layer.forward(Context.inference(params, new float[0]), x, y, n);
      assertArrayEquals(reference(x, layer.inferenceWeights(params), n, in, out), y, "in=" + in + " n=" + n);
      // a single level is also of one magnitude (taken as ±c), so only wider rows tell the paths apart;
      // eight bit-plane XNOR products cost more than the float product here (docs/results.md)
      if (in > 1) {
        assertEquals(false, layer.lastProductWasBinary(), "levels take the float product");
      }
    }
  }

  @Test
  void ternaryPackingRefusesAnythingButZeroAndOneMagnitude() {
    long[] out = new long[4];
    assertEquals(BinaryDense.SIGNS, BinaryDense.packTernary(new float[] {1f, -1f, 1f}, 1, 3, out, 2));
    assertEquals(0b101L, out[0]);
    assertEquals(0b010L, out[2]);
    assertEquals(BinaryDense.WITH_ZEROS, BinaryDense.packTernary(new float[] {1.25f, 0f, -1.25f}, 1, 3, out, 2));
    assertEquals(0b001L, out[0]);
    assertEquals(0b100L, out[2]);
    for (float bad : new float[] {0.5f, -0.999f, Float.NaN, 2f}) {
      assertEquals(BinaryDense.NOT_TERNARY, BinaryDense.packTernary(new float[] {1f, bad, 1f}, 1, 3, out, 2), "value " + bad);
    }
  }
}
