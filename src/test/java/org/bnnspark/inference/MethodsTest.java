package org.bnnspark.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.bnnspark.train.EpochMetrics;
import org.bnnspark.train.LocalTrainer;
import org.bnnspark.train.ModelConfig;
import org.bnnspark.train.RowBlock;
import org.bnnspark.train.SyntheticData;
import org.bnnspark.train.TrainingState;
import org.junit.jupiter.api.Test;

/**
 * Every BNN method the configurations can name trains on a small generated dataset (4 classes,
 * chance 25%) to well above chance, and its packed model gives the training graph's logits, bit for
 * bit, on the held-out rows.
 */
class MethodsTest {
  private static String training(String optimizer, double lr) {
    return "\"training\": {\"epochs\": 10, \"batch_size\": 50, \"seed\": 11, \"optimizer\": " + optimizer + ", "
        + "\"schedule\": {\"type\": \"cosine\", \"lr\": " + lr + "}}";
  }

  /** Trains {@code layers} (a JSON list body) with 2 partitions; returns held-out accuracy after checking packed == graph. */
  private static double trainAndCheck(String name, String layers) {
    return trainAndCheck(name, layers, "{\"type\": \"adam\"}", 0.01);
  }

  private static double trainAndCheck(String name, String layers, String optimizer, double lr) {
    return trainAndCheck(name, "\"input_size\": 32", layers, optimizer, lr);
  }

  /** The 32 generated features as a 4 × 8 one-channel image. */
  private static double trainImageAndCheck(String name, String layers) {
    return trainAndCheck(name, "\"input_shape\": [4, 8, 1]", layers, "{\"type\": \"adam\"}", 0.01);
  }

  private static double trainAndCheck(String name, String input, String layers, String optimizer, double lr) {
    return trainAndCheck(name, input, layers, optimizer, lr, null).accuracy;
  }

  private record Trained(TrainingState state, double accuracy) {}

  /** As above, starting from {@code from}'s trained network when it is not null. */
  private static Trained trainAndCheck(String name, String input, String layers, String optimizer, double lr, TrainingState from) {
    String json = "{\"name\": \"" + name + "\", \"network\": {" + input + ", \"classes\": 4, \"layers\": [" + layers
        + "]},\n" + training(optimizer, lr) + "}";
    ModelConfig config = ModelConfig.parse(json, name);
    RowBlock all = SyntheticData.prototypes(2500, 32, 4, 0.15, 5);
    RowBlock train = SyntheticData.slice(all, 0, 2000);
    RowBlock test = SyntheticData.slice(all, 2000, 2500);
    TrainingState s = new TrainingState(config);
    if (from != null) {
      s.initializeFrom(new org.bnnspark.train.NetworkFile.Model(from.config, from.params, from.state));
    }
    List<List<RowBlock>> parts = new ArrayList<>();
    SyntheticData.split(train, 2).forEach(b -> parts.add(List.of(b)));
    List<EpochMetrics> metrics = new ArrayList<>();
    LocalTrainer.train(s, parts, List.of(test), metrics::add);

    PackedModel packed = PackedModel.compile(s.network, s.params, s.state, name, json);
    float[] graph = new float[test.rows * 4];
    s.network.predictLogits(s.params, s.state, test.x, test.rows, graph);
    float[] bits = new float[test.rows * 4];
    packed.newScorer().logits(test.x, test.rows, bits);
    assertArrayEquals(graph, bits, 0f, name + ": packed logits differ from the training graph's");
    double acc = metrics.get(metrics.size() - 1).validationAccuracy();
    assertTrue(acc >= 0.9, name + ": held-out accuracy " + acc + " (chance 0.25)");
    return new Trained(s, acc);
  }

  @Test
  void binaryNetBinaryWeightsAndActivations() {
    trainAndCheck("binarynet", """
        {"type": "binary_dense", "units": 64}, {"type": "batch_norm"}, {"type": "sign"},
        {"type": "binary_dense", "units": 64}, {"type": "batch_norm"}, {"type": "sign"},
        {"type": "binary_dense", "units": 4}, {"type": "batch_norm"}""");
  }

  @Test
  void binaryNetShiftBasedBatchNormAndAdaMax() {
    trainAndCheck("binarynet-shift", """
        {"type": "binary_dense", "units": 64}, {"type": "batch_norm", "shift_based": true}, {"type": "sign"},
        {"type": "binary_dense", "units": 64}, {"type": "batch_norm", "shift_based": true}, {"type": "sign"},
        {"type": "binary_dense", "units": 4}, {"type": "batch_norm", "shift_based": true}""", "{\"type\": \"adamax\"}", 0.01);
  }

  @Test
  void binaryNetWithDropoutLeavesItOutOfThePackedModel() {
    trainAndCheck("binarynet-dropout", """
        {"type": "dropout", "rate": 0.1},
        {"type": "binary_dense", "units": 64}, {"type": "batch_norm"}, {"type": "sign"}, {"type": "dropout", "rate": 0.2},
        {"type": "binary_dense", "units": 64}, {"type": "batch_norm"}, {"type": "sign"},
        {"type": "binary_dense", "units": 4}, {"type": "batch_norm"}""");
  }

  @Test
  void binaryConnectDeterministicBinaryWeightsRealActivations() {
    trainAndCheck("binaryconnect-det", """
        {"type": "binary_dense", "units": 64}, {"type": "batch_norm"}, {"type": "relu"},
        {"type": "binary_dense", "units": 64}, {"type": "batch_norm"}, {"type": "relu"},
        {"type": "binary_dense", "units": 4}, {"type": "batch_norm"}""");
  }

  @Test
  void binaryConnectStochasticBinarization() {
    // a draw is decisive only where |w| is large (P(+1) = hard_sigmoid(w)); from Glorot-sized latent
    // weights that takes larger steps, as in the paper, which scales binary layers' rates up
    // (lr 0.01 reaches 56% here in 10 epochs, 0.03 reaches 98%)
    trainAndCheck("binaryconnect-stoch", """
        {"type": "binary_dense", "units": 64, "kernel_quantizer": "stochastic_sign"}, {"type": "batch_norm"}, {"type": "relu"},
        {"type": "binary_dense", "units": 64, "kernel_quantizer": "stochastic_sign"}, {"type": "batch_norm"}, {"type": "relu"},
        {"type": "binary_dense", "units": 4, "kernel_quantizer": "stochastic_sign"}, {"type": "batch_norm"}""", "{\"type\": \"adam\"}", 0.03);
  }

  @Test
  void xnorNetScaledBinaryWeightsAndActivations() {
    trainAndCheck("xnor-net", """
        {"type": "binary_dense", "units": 64, "scale": "mean_abs"}, {"type": "batch_norm"}, {"type": "sign"},
        {"type": "binary_dense", "units": 64, "scale": "mean_abs"}, {"type": "batch_norm"}, {"type": "sign"},
        {"type": "binary_dense", "units": 4, "scale": "mean_abs"}, {"type": "batch_norm"}""");
  }

  @Test
  void binaryWeightNetworkScaledBinaryWeightsRealActivations() {
    trainAndCheck("bwn", """
        {"type": "binary_dense", "units": 64, "scale": "mean_abs"}, {"type": "batch_norm"}, {"type": "relu"},
        {"type": "binary_dense", "units": 4, "scale": "mean_abs"}, {"type": "batch_norm"}""");
  }

  @Test
  void reActNetLearnedSignThresholdsAndApproxSign() {
    trainAndCheck("reactnet-rsign", """
        {"type": "binary_dense", "units": 64}, {"type": "batch_norm"}, {"type": "shift"}, {"type": "sign", "quantizer": "approx_sign"},
        {"type": "binary_dense", "units": 64}, {"type": "batch_norm"}, {"type": "shift"}, {"type": "sign", "quantizer": "approx_sign"},
        {"type": "binary_dense", "units": 4}, {"type": "batch_norm"}""");
  }

  @Test
  void bopLatentFreeBinaryOptimizer() {
    trainAndCheck("bop", """
        {"type": "binary_dense", "units": 64}, {"type": "batch_norm"}, {"type": "sign"},
        {"type": "binary_dense", "units": 64}, {"type": "batch_norm"}, {"type": "sign"},
        {"type": "binary_dense", "units": 4}, {"type": "batch_norm"}""",
        "{\"type\": \"bop\", \"threshold\": 1e-6, \"adaptivity\": 1e-3}", 0.01);
  }

  @Test
  void xnorNetPlusPlusLearnedScales() {
    trainAndCheck("xnor-net++", """
        {"type": "binary_dense", "units": 64, "scale": "learned"}, {"type": "batch_norm"}, {"type": "sign"},
        {"type": "binary_dense", "units": 64, "scale": "learned"}, {"type": "batch_norm"}, {"type": "sign"},
        {"type": "binary_dense", "units": 4, "scale": "learned"}, {"type": "batch_norm"}""");
  }

  @Test
  void xnorNetPlusPlusFactorizedScaleOverChannelHeightAndWidth() {
    trainImageAndCheck("xnor-net++-chw", """
        {"type": "binary_conv2d", "filters": 16, "kernel": 3, "padding": 1, "scale": "learned_chw"}, {"type": "batch_norm"}, {"type": "sign"},
        {"type": "binary_conv2d", "filters": 16, "kernel": 3, "padding": 1, "scale": "learned_chw"}, {"type": "max_pool2d", "pool": 2},
        {"type": "batch_norm"}, {"type": "sign"},
        {"type": "flatten"}, {"type": "binary_dense", "units": 4, "scale": "learned"}, {"type": "batch_norm"}""");
  }

  @Test
  void convolutionalBinaryNet() {
    trainImageAndCheck("conv-bnn", """
        {"type": "binary_conv2d", "filters": 16, "kernel": 3, "padding": 1}, {"type": "batch_norm"}, {"type": "sign"},
        {"type": "binary_conv2d", "filters": 16, "kernel": 3, "padding": 1}, {"type": "max_pool2d", "pool": 2},
        {"type": "batch_norm"}, {"type": "sign"},
        {"type": "flatten"}, {"type": "binary_dense", "units": 4}, {"type": "batch_norm"}""");
  }

  @Test
  void xnorNetConvolutionalBlockOrder() {
    // real first and last layers; BN → sign → scaled binary conv → pool in between
    trainImageAndCheck("xnor-net-conv", """
        {"type": "conv2d", "filters": 16, "kernel": 3, "padding": 1},
        {"type": "batch_norm"}, {"type": "sign"},
        {"type": "binary_conv2d", "filters": 16, "kernel": 3, "padding": 1, "scale": "mean_abs"}, {"type": "max_pool2d", "pool": 2},
        {"type": "batch_norm"}, {"type": "flatten"}, {"type": "dense", "units": 4}""");
  }

  @Test
  void xnorNetWithActivationScaleK() {
    // the binary convolution takes the BatchNorm's real output, binarizes it and scales by K per window
    trainImageAndCheck("xnor-net-k", """
        {"type": "conv2d", "filters": 16, "kernel": 3, "padding": 1},
        {"type": "batch_norm"},
        {"type": "binary_conv2d", "filters": 16, "kernel": 3, "padding": 1, "scale": "mean_abs", "activation_scale": true},
        {"type": "max_pool2d", "pool": 2},
        {"type": "batch_norm"}, {"type": "flatten"},
        {"type": "binary_dense", "units": 16, "scale": "mean_abs", "activation_scale": true}, {"type": "batch_norm"},
        {"type": "dense", "units": 4}""");
  }

  @Test
  void abcNetWeightAndActivationBases() {
    trainImageAndCheck("abc-net", """
        {"type": "batch_norm"},
        {"type": "abc_conv2d", "filters": 16, "kernel": 3, "padding": 1, "weight_bases": 3, "activation_bases": 3},
        {"type": "max_pool2d", "pool": 2}, {"type": "batch_norm"}, {"type": "flatten"},
        {"type": "abc_dense", "units": 32, "weight_bases": 3, "activation_bases": 3}, {"type": "batch_norm"},
        {"type": "dense", "units": 4}""");
  }

  @Test
  void bitwiseNeuralNetworksTwoStages() {
    // stage 1: real-valued, tanh-compressed weights and tanh activations on 1-bit (sign) inputs
    Trained real = trainAndCheck("bitwise-stage1", "\"input_size\": 32", """
        {"type": "sign"},
        {"type": "dense", "units": 64, "weight_compression": "tanh"}, {"type": "batch_norm"}, {"type": "tanh"},
        {"type": "dense", "units": 4, "weight_compression": "tanh"}, {"type": "batch_norm"}""", "{\"type\": \"adam\"}", 0.01, null);
    // stage 2 starts from tanh(W̃) and trains bipolar weights and activations (STE)
    Trained bitwise = trainAndCheck("bitwise", "\"input_size\": 32", """
        {"type": "sign"},
        {"type": "binary_dense", "units": 64, "bias": true}, {"type": "batch_norm"}, {"type": "sign"},
        {"type": "binary_dense", "units": 4, "bias": true}, {"type": "batch_norm"}""", "{\"type\": \"adam\"}", 0.001, real.state());
    assertTrue(bitwise.accuracy() >= 0.9);
    // the transfer itself: the second network starts from the first one's compressed weights
    TrainingState fresh = new TrainingState(bitwise.state().config);
    fresh.initializeFrom(new org.bnnspark.train.NetworkFile.Model(real.state().config, real.state().params, real.state().state));
    float[] compressed = ((org.bnnspark.nn.Dense) real.state().network.layers().get(1)).inferenceWeights(real.state().params);
    for (int i = 0; i < compressed.length; i++) {
      assertTrue(compressed[i] == fresh.params[i], "weight " + i);
    }
    assertTrue(java.util.Arrays.equals(real.state().state, fresh.state), "BatchNorm statistics carried over");
  }

  @Test
  void biRealShortcutsWithReActNetRSignAndRPReLU() {
    trainAndCheck("bi-real", """
        {"type": "dense", "units": 64, "bias": false}, {"type": "batch_norm"},
        {"type": "residual", "layers": [
          {"type": "shift"}, {"type": "sign", "quantizer": "approx_sign"}, {"type": "binary_dense", "units": 64},
          {"type": "batch_norm"}, {"type": "rprelu"}]},
        {"type": "residual", "layers": [
          {"type": "shift"}, {"type": "sign", "quantizer": "approx_sign"}, {"type": "binary_dense", "units": 64},
          {"type": "batch_norm"}, {"type": "rprelu"}]},
        {"type": "dense", "units": 4, "bias": false}, {"type": "batch_norm"}""");
  }
}
