package org.bnnspark.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class QuantizerTest {
  /** A 1-input layer fed x = 1 outputs its binarized weights. */
  private static float[] binarizedWeights(BinaryDense layer, float[] params, boolean training, long noiseSeed) {
    int out = params.length;
    float[] y = new float[out];
    Context ctx = training ? Context.training(params, new float[0], new float[out], new double[0], noiseSeed)
        : Context.inference(params, new float[0]);
    layer.forward(ctx, new float[] {1f}, y, 1);
    return y;
  }

  @Test
  void stochasticSignDrawsPlusOneWithHardSigmoidProbability() {
    float[] latent = {-1f, -0.5f, 0f, 0.5f, 0.9f, 1f};
    int copies = 2000;
    float[] params = new float[latent.length * copies];
    for (int i = 0; i < params.length; i++) {
      params[i] = latent[i % latent.length];
    }
    BinaryDense layer = new BinaryDense(1, params.length, false, Quantizer.STOCHASTIC_SIGN);
    int passes = 5;
    long[] plus = new long[latent.length];
    for (long seed = 1; seed <= passes; seed++) {
      float[] w = binarizedWeights(layer, params, true, seed);
      for (int i = 0; i < w.length; i++) {
        assertTrue(w[i] == 1f || w[i] == -1f);
        if (w[i] == 1f) {
          plus[i % latent.length]++;
        }
      }
    }
    for (int k = 0; k < latent.length; k++) {
      double n = (double) copies * passes;
      double p = Quantizer.hardSigmoid(latent[k]);
      double sigma = Math.sqrt(n * p * (1 - p));
      assertEquals(p * n, plus[k], Math.max(1e-9, 5 * sigma), "w = " + latent[k] + ": +1 drawn " + plus[k] + " of " + n);
    }
    // the same seed draws the same; another seed draws differently; inference is sign(w)
    assertArrayEquals(binarizedWeights(layer, params, true, 7), binarizedWeights(layer, params, true, 7));
    assertFalse(java.util.Arrays.equals(binarizedWeights(layer, params, true, 7), binarizedWeights(layer, params, true, 8)));
    float[] inference = binarizedWeights(layer, params, false, 0);
    for (int i = 0; i < params.length; i++) {
      assertEquals(params[i] >= 0 ? 1f : -1f, inference[i]);
    }
  }

  @Test
  void stochasticSignIsForWeightsOnly() {
    ConfigException e = assertThrows(ConfigException.class, () -> NetworkSpec.parse(ConfigNode.parse("""
        {"input_size": 4, "classes": 2, "layers": [{"type": "dense", "units": 4}, {"type": "sign", "quantizer": "stochastic_sign"},
         {"type": "dense", "units": 2}]}""", "x.json")));
    assertTrue(e.getMessage().contains("stochastic_sign binarizes weights"), e.getMessage());
  }
}
