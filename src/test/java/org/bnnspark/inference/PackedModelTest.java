package org.bnnspark.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.SplittableRandom;
import org.bnnspark.bits.BinaryGemm;
import org.bnnspark.nn.BatchNorm;
import org.bnnspark.nn.ConfigNode;
import org.bnnspark.nn.Layer;
import org.bnnspark.nn.Lowering;
import org.bnnspark.nn.Network;
import org.bnnspark.nn.NetworkSpec;
import org.junit.jupiter.api.Test;

/** The packed model against the training graph in inference mode: equal bit for bit. */
class PackedModelTest {

  private static Network network(String json) {
    return new Network(NetworkSpec.parse(ConfigNode.parse(json, "test")));
  }

  /**
   * Parameters a trained network could have: initialized weights, latent weights spread over
   * [−1, 1], and BatchNorm with random running statistics, scales of both signs (and a zero), shifts.
   */
  private static float[][] trainedLike(Network net, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    float[] params = net.initParams(seed);
    float[] state = net.initState();
    int fanIn = 1; // of the last product: BN statistics on its scale keep both signs common
    for (Layer layer : net.layers()) {
      if (layer instanceof org.bnnspark.nn.Conv2d conv) {
        fanIn = conv.geometry().patchSize();
      } else if (layer instanceof org.bnnspark.nn.Dense) {
        fanIn = layer.inSize();
      }
      if (layer instanceof BatchNorm bn) {
        int f = bn.paramCount() / 2; // per channel on images
        for (int j = 0; j < f; j++) {
          double scale = Math.sqrt(fanIn);
          state[bn.stateOffset() + j] = (float) (rng.nextGaussian() * scale);
          state[bn.stateOffset() + f + j] = (float) (scale * scale * (0.1 + rng.nextDouble()));
          float gamma = (float) rng.nextGaussian();
          params[bn.paramOffset() + j] = j == 3 ? 0f : gamma;
          params[bn.paramOffset() + f + j] = (float) (rng.nextGaussian() * 0.5);
        }
      } else {
        for (int i = layer.paramOffset(); i < layer.paramOffset() + layer.paramCount(); i++) {
          params[i] += (float) (rng.nextGaussian() * 0.01);
        }
      }
    }
    net.clipLatent(params);
    return new float[][] {params, state};
  }

  /** Raw inputs: pixel-like (mostly 0, some 1..255) or Gaussian reals, mapped onto the input scale. */
  private static float[] inputs(NetworkSpec spec, int rows, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    float[] x = new float[rows * spec.inputSize()];
    for (int i = 0; i < x.length; i++) {
      double raw = spec.quantizedInput() ? (rng.nextDouble() < 0.7 ? 0 : rng.nextInt(256)) : rng.nextGaussian() * 3;
      x[i] = spec.scaleInput(raw);
    }
    return x;
  }

  /** Packed logits == training-graph logits, bit for bit, for every row. */
  private static PackedModel assertPackedEqualsGraph(String json, long seed) {
    Network net = network(json);
    float[][] ps = trainedLike(net, seed);
    PackedModel model = PackedModel.compile(net, ps[0], ps[1], "test", json);
    int rows = 301;
    float[] x = inputs(net.spec(), rows, seed + 1);
    float[] expected = new float[rows * net.classes()];
    net.predictLogits(ps[0], ps[1], x, rows, expected);
    for (BinaryGemm kernel : kernels()) {
      float[] actual = new float[rows * net.classes()];
      PackedScorer scorer = new PackedScorer(model, kernel);
      scorer.logits(x, rows, actual);
      assertArrayEquals(expected, actual, 0f, "packed logits (" + kernel.name() + ") differ from the training graph's");
      // a second, smaller batch through the same buffers
      float[] few = new float[7 * net.classes()];
      scorer.logits(x, 7, few);
      assertArrayEquals(java.util.Arrays.copyOf(expected, few.length), few, 0f);
    }
    return model;
  }

  /** The kernel the scorer picks and its portable twin (the same one on a JVM without the Vector API's popcount). */
  private static java.util.List<BinaryGemm> kernels() {
    return BinaryGemm.best() == BinaryGemm.portable() ? java.util.List.of(BinaryGemm.portable())
        : java.util.List.of(BinaryGemm.best(), BinaryGemm.portable());
  }

  /**
   * Model files written by earlier builds (src/test/resources/legacy-models: format version 2 by the
   * build before the scorer became one operation per stage — a first convolution on levels then
   * ran in float, unfolded; version 1 converted from the MLP's) load and give their logits bit for bit,
   * and a version 2 file written again is the same bytes.
   */
  @Test
  void modelFilesOfEarlierBuildsGiveTheirLogits() throws IOException {
    String[][] files = {{"conv-bnn", "2"}, {"xnor-net-conv", "2"}, {"abc-conv", "2"}, {"mlp", "2"}, {"mlp-v1", "1"}};
    for (String[] file : files) {
      byte[] bytes;
      try (java.io.InputStream in = PackedModelTest.class.getResourceAsStream("/legacy-models/" + file[0] + ".xnor")) {
        bytes = in.readAllBytes();
      }
      assertEquals(Integer.parseInt(file[1]), java.nio.ByteBuffer.wrap(bytes, 8, 4).getInt(), file[0] + " format version");
      PackedModel m = PackedModelFile.fromBytes(bytes, file[0]);
      if (file[1].equals("2")) { // written again, a version 2 file is the same bytes
        assertArrayEquals(bytes, PackedModelFile.toBytes(m), file[0] + " written again");
      }
      try (java.io.DataInputStream d = new java.io.DataInputStream(PackedModelTest.class.getResourceAsStream("/legacy-models/" + file[0] + ".logits"))) {
        int rows = d.readInt();
        float[] x = new float[rows * d.readInt()];
        float[] expected = new float[rows * d.readInt()];
        for (int i = 0; i < x.length; i++) {
          x[i] = d.readFloat();
        }
        for (int i = 0; i < expected.length; i++) {
          expected[i] = d.readFloat();
        }
        for (BinaryGemm kernel : kernels()) {
          float[] actual = new float[expected.length];
          new PackedScorer(m, kernel).logits(x, rows, actual);
          assertArrayEquals(expected, actual, 0f, file[0] + " (" + kernel.name() + ")");
        }
      }
      assertTrue(ModelSummary.describe(m).contains("total"), file[0]);
    }
  }

  /**
   * Average pooling (a layer with no packed kernel: it runs in the training graph's form), between
   * binary convolutions, inside a residual block (a 1×1 window: the block keeps its shape) and as
   * Bi-Real Net's global pooling before the classifier: packed == graph, the file round-trips as version 3 — and a model without such a
   * layer is still written as version 2.
   */
  @Test
  void averagePoolingRunsInTheGraphsFormAndRoundTrips() throws IOException {
    String json = """
        {"input_shape": [10, 10, 2], "input_range": [0, 255], "classes": 4, "layers": [
          {"type": "binary_conv2d", "filters": 8, "kernel": 3, "padding": 1}, {"type": "batch_norm"}, {"type": "sign"},
          {"type": "binary_conv2d", "filters": 8, "kernel": 3, "padding": 1}, {"type": "batch_norm"},
          {"type": "avg_pool2d", "pool": 2},
          {"type": "residual", "layers": [{"type": "sign"}, {"type": "binary_conv2d", "filters": 8, "kernel": 3, "padding": 1},
            {"type": "batch_norm"}, {"type": "avg_pool2d", "pool": 1}, {"type": "rprelu"}]},
          {"type": "global_avg_pool"}, {"type": "flatten"}, {"type": "dense", "units": 4}]}""";
    for (long seed = 90; seed < 93; seed++) {
      PackedModel m = assertPackedEqualsGraph(json, seed);
      assertTrue(m.stages().stream().anyMatch(st -> st.product() instanceof StageProduct.Graph), m.stages().toString());
      byte[] bytes = PackedModelFile.toBytes(m);
      assertEquals(3, java.nio.ByteBuffer.wrap(bytes, 8, 4).getInt());
      PackedModel back = PackedModelFile.fromBytes(bytes, "m.xnor");
      assertEquals(m, back);
      assertTrue(ModelSummary.describe(back).contains("GlobalAvgPool"), ModelSummary.describe(back));
    }
    PackedModel plain = assertPackedEqualsGraph(BNN_MLP, 95);
    assertEquals(2, java.nio.ByteBuffer.wrap(PackedModelFile.toBytes(plain), 8, 4).getInt());
  }

  @Test
  void convolutionsAtChannelAndWordBoundariesEqualTrainingGraph() {
    // first convolutions on levels (1 and 3 channels; filters across a word of output bits), then
    // convolutions on bits whose windows are a few words (k-major) or many (row-major), padded or
    // not, strided, pooling the dots before a BatchNorm or the bits after the sign
    String[] firsts = {
        "{\"type\": \"binary_conv2d\", \"filters\": 32, \"kernel\": 3, \"padding\": 1}, {\"type\": \"max_pool2d\", \"pool\": 2}, {\"type\": \"batch_norm\"}, {\"type\": \"sign\"}",
        "{\"type\": \"binary_conv2d\", \"filters\": 64, \"kernel\": 3}, {\"type\": \"batch_norm\"}, {\"type\": \"sign\"}, {\"type\": \"max_pool2d\", \"pool\": 2}",
        "{\"type\": \"binary_conv2d\", \"filters\": 65, \"kernel\": 2, \"stride\": 2, \"padding\": 1}, {\"type\": \"batch_norm\"}, {\"type\": \"sign\"}"};
    String[] seconds = {
        "{\"type\": \"binary_conv2d\", \"filters\": 64, \"kernel\": 3, \"padding\": 1}, {\"type\": \"max_pool2d\", \"pool\": 2}, {\"type\": \"batch_norm\"}, {\"type\": \"sign\"}",
        "{\"type\": \"binary_conv2d\", \"filters\": 40, \"kernel\": 3, \"stride\": 2, \"padding\": 1}, {\"type\": \"batch_norm\"}, {\"type\": \"sign\"}, {\"type\": \"max_pool2d\", \"pool\": 2, \"stride\": 1}",
        "{\"type\": \"binary_conv2d\", \"filters\": 16, \"kernel\": 2}, {\"type\": \"batch_norm\"}"};
    long seed = 70;
    for (int channels : new int[] {1, 3}) {
      for (String first : firsts) {
        for (String second : seconds) {
          String json = "{\"input_shape\": [10, 9, " + channels + "], \"input_range\": [0, 255], \"classes\": 4, \"layers\": [" + first + ", "
              + second + ", {\"type\": \"flatten\"}, {\"type\": \"binary_dense\", \"units\": 4}, {\"type\": \"batch_norm\"}]}";
          PackedModel m = assertPackedEqualsGraph(json, seed++);
          assertTrue(m.stages().get(0).folded(), "a binary convolution on levels folds into thresholds: " + m.stages().get(0));
          String ops = m.newScorer().stageProfile();
          assertTrue(ops.contains("LevelConvOp") && ops.contains("XnorConvOp"), ops);
        }
      }
    }
  }

  static final String BNN_MLP = """
      {"input_size": 150, "input_range": [0, 255], "classes": 7, "layers": [
        {"type": "binary_dense", "units": 130}, {"type": "batch_norm"}, {"type": "sign"},
        {"type": "binary_dense", "units": 64}, {"type": "batch_norm"}, {"type": "sign"},
        {"type": "binary_dense", "units": 7}, {"type": "batch_norm"}]}""";

  @Test
  void bnnMlpWithLevelInputsEqualsTrainingGraph() {
    for (long seed = 1; seed <= 4; seed++) {
      PackedModel m = assertPackedEqualsGraph(BNN_MLP, seed);
      // hidden layers folded: no float anywhere between input and logits
      assertTrue(m.stages().get(0).folded() && m.stages().get(1).folded());
      assertEquals(PackedModel.Representation.LEVELS, m.stageInput(0));
      assertEquals(PackedModel.Representation.BITS, m.stageInput(1));
      assertTrue(!m.stages().get(2).folded());
    }
  }

  @Test
  void floatInputsBiasesClipsAndRealLayersEqualTrainingGraph() {
    assertPackedEqualsGraph("""
        {"input_size": 40, "classes": 3, "layers": [
          {"type": "binary_dense", "units": 65, "bias": true}, {"type": "batch_norm"}, {"type": "hardtanh"}, {"type": "sign"},
          {"type": "binary_dense", "units": 33, "bias": true}, {"type": "relu"}, {"type": "batch_norm"}, {"type": "sign"},
          {"type": "dense", "units": 3}]}""", 11);
    assertPackedEqualsGraph("""
        {"input_size": 70, "input_range": [-1, 1], "classes": 4, "layers": [
          {"type": "dense", "units": 64}, {"type": "batch_norm"}, {"type": "sign"},
          {"type": "binary_dense", "units": 128}, {"type": "batch_norm"}, {"type": "sign"},
          {"type": "sign"}, {"type": "binary_dense", "units": 4}]}""", 12);
    assertPackedEqualsGraph("""
        {"input_size": 20, "classes": 2, "layers": [
          {"type": "sign"}, {"type": "binary_dense", "units": 64}, {"type": "batch_norm"}, {"type": "sign"},
          {"type": "binary_dense", "units": 2}, {"type": "batch_norm"}]}""", 13);
  }

  /** A convolutional BNN on pixel levels: binary convolutions with padding, pooling of bits (OR) and of dots, a dense tail. */
  static final String CONV_BNN = """
      {"input_shape": [9, 9, 1], "input_range": [0, 255], "classes": 3, "layers": [
        {"type": "binary_conv2d", "filters": 5, "kernel": 3, "padding": 1}, {"type": "batch_norm"}, {"type": "sign"},
        {"type": "max_pool2d", "pool": 2},
        {"type": "binary_conv2d", "filters": 7, "kernel": 3, "padding": 1}, {"type": "max_pool2d", "pool": 2},
        {"type": "batch_norm"}, {"type": "sign"},
        {"type": "flatten"}, {"type": "dropout", "rate": 0.2},
        {"type": "binary_dense", "units": 9}, {"type": "batch_norm"}, {"type": "sign"},
        {"type": "binary_dense", "units": 3}, {"type": "batch_norm"}]}""";

  @Test
  void convolutionalBnnEqualsTrainingGraph() {
    for (long seed = 21; seed <= 24; seed++) {
      PackedModel m = assertPackedEqualsGraph(CONV_BNN, seed);
      assertEquals(4, m.stages().size());
      PackedStage second = m.stages().get(1);
      assertEquals(PackedModel.Representation.BITS, m.stageInput(1));
      assertTrue(second.folded() && second.conv() != null && second.poolsProduct(), second.toString());
      assertTrue(m.stages().get(0).poolsOutput(), "the first stage pools its sign bits");
      assertEquals(new org.bnnspark.nn.Shape(2, 2, 7), second.outShape());
    }
  }

  @Test
  void convolutionOptionsEqualTrainingGraph() {
    // odd and > 64 channels (pixels straddle words), stride 2 without padding, a scaled binary
    // convolution, pooling between BatchNorm and sign, a real first convolution with bias and ReLU
    assertPackedEqualsGraph("""
        {"input_shape": [8, 7, 3], "classes": 4, "layers": [
          {"type": "conv2d", "filters": 70, "kernel": 3, "padding": 1}, {"type": "relu"}, {"type": "max_pool2d", "pool": 2, "stride": 1},
          {"type": "batch_norm"}, {"type": "sign"},
          {"type": "binary_conv2d", "filters": 13, "kernel": 3, "stride": 2}, {"type": "batch_norm"}, {"type": "max_pool2d", "pool": 2},
          {"type": "sign"},
          {"type": "binary_conv2d", "filters": 6, "kernel": 2, "padding": 1, "scale": "mean_abs"}, {"type": "batch_norm"}, {"type": "sign"},
          {"type": "flatten"}, {"type": "binary_dense", "units": 4}, {"type": "batch_norm"}]}""", 31);
    // XNOR-Net's block order, real first and last layers, a shift (RSign) on an image; the first
    // convolution's BatchNorm, shift and sign run as thresholds on its float values (levels: bounded)
    PackedModel blockOrder = assertPackedEqualsGraph("""
        {"input_shape": [10, 10, 1], "input_range": [0, 255], "classes": 3, "layers": [
          {"type": "conv2d", "filters": 8, "kernel": 3, "padding": 1}, {"type": "max_pool2d", "pool": 2},
          {"type": "batch_norm"}, {"type": "shift"}, {"type": "sign"},
          {"type": "binary_conv2d", "filters": 16, "kernel": 3, "padding": 1, "scale": "learned"}, {"type": "max_pool2d", "pool": 2},
          {"type": "batch_norm"}, {"type": "flatten"}, {"type": "dense", "units": 3}]}""", 32);
    assertTrue(blockOrder.newScorer().stageProfile().contains("stage 0 FloatOp+thresholds"), blockOrder.newScorer().stageProfile());
    // XNOR-Net's α ≥ 0 commutes with the pool: pooling moves before it and the block folds into thresholds
    PackedModel xnor = assertPackedEqualsGraph("""
        {"input_shape": [8, 8, 3], "classes": 3, "layers": [
          {"type": "sign"},
          {"type": "binary_conv2d", "filters": 9, "kernel": 3, "padding": 1, "scale": "mean_abs"}, {"type": "max_pool2d", "pool": 2},
          {"type": "batch_norm"}, {"type": "sign"},
          {"type": "flatten"}, {"type": "dense", "units": 3}]}""", 33);
    assertTrue(xnor.stages().get(1).folded() && xnor.stages().get(1).poolsProduct(), xnor.stages().get(1).toString());
  }

  /**
   * XNOR-Net++'s Γ = α ⊗ β ⊗ γ differs per position: its stage runs the product's integer dots through
   * the float operations, and the pool after them (max(Γ v) ≠ Γ max v); packed == graph, and the
   * file keeps β and γ at the output's height and width.
   */
  @Test
  void factorizedScaleRunsPerPositionAndRoundTrips() throws IOException {
    PackedModel m = assertPackedEqualsGraph("""
        {"input_shape": [9, 8, 2], "classes": 3, "layers": [
          {"type": "sign"},
          {"type": "binary_conv2d", "filters": 5, "kernel": 3, "padding": 1, "scale": "learned_chw"}, {"type": "max_pool2d", "pool": 2},
          {"type": "batch_norm"}, {"type": "sign"},
          {"type": "binary_conv2d", "filters": 4, "kernel": 3, "stride": 2, "scale": "learned_chw"}, {"type": "batch_norm"}, {"type": "sign"},
          {"type": "flatten"}, {"type": "dense", "units": 3}]}""", 34);
    PackedStage conv = m.stages().get(1);
    assertTrue(!conv.folded() && conv.pool().afterOps(), conv.toString());
    PointwiseOp positions = conv.ops()[1];
    assertEquals(Lowering.OpKind.SCALE_POSITIONS, positions.kind());
    assertEquals(9, positions.arrays()[0].length);
    assertEquals(8, positions.arrays()[1].length);
    assertEquals(m, PackedModelFile.read(new ByteArrayInputStream(PackedModelFile.toBytes(m)), "chw.xnor"));
  }

  /**
   * XNOR-Net's activation scale K: a stage packs the signs of its real input (8-bit levels, a
   * BatchNorm's floats), runs XNOR-popcount on them and scales by K per window — packed == graph for
   * a padded, pooled convolution and a dense layer.
   */
  @Test
  void activationScaleRunsXnorOnTheInputSignsTimesK() throws IOException {
    PackedModel m = assertPackedEqualsGraph("""
        {"input_shape": [9, 8, 2], "input_range": [0, 255], "classes": 3, "layers": [
          {"type": "binary_conv2d", "filters": 5, "kernel": 3, "padding": 1, "activation_scale": true}, {"type": "max_pool2d", "pool": 2},
          {"type": "batch_norm"},
          {"type": "binary_conv2d", "filters": 70, "kernel": 3, "stride": 2, "scale": "mean_abs", "activation_scale": true},
          {"type": "batch_norm"}, {"type": "flatten"},
          {"type": "binary_dense", "units": 9, "scale": "learned", "activation_scale": true}, {"type": "batch_norm"}, {"type": "sign"},
          {"type": "dense", "units": 3}]}""", 35);
    assertEquals(Lowering.OpKind.ACTIVATION_SCALE, m.stages().get(0).ops()[0].kind());
    assertTrue(PointwiseOp.activationScaled(m.stages().get(2).ops()), m.stages().get(2).toString());
    assertEquals(m, PackedModelFile.read(new ByteArrayInputStream(PackedModelFile.toBytes(m)), "k.xnor"));
  }

  /** ABC-Net (M weight × N activation bases) on an image with padding and pooling, then dense: packed == graph. */
  static final String ABC_NET = """
      {"input_shape": [7, 7, 2], "classes": 3, "layers": [
        {"type": "batch_norm"},
        {"type": "abc_conv2d", "filters": 6, "kernel": 3, "padding": 1, "weight_bases": 3, "activation_bases": 2},
        {"type": "max_pool2d", "pool": 2}, {"type": "batch_norm"},
        {"type": "flatten"},
        {"type": "abc_dense", "units": 11, "weight_bases": 2, "activation_bases": 3}, {"type": "batch_norm"},
        {"type": "abc_dense", "units": 3, "weight_bases": 1, "activation_bases": 1}, {"type": "batch_norm"}]}""";

  @Test
  void abcNetEqualsTrainingGraph() throws IOException {
    for (long seed = 41; seed <= 43; seed++) {
      PackedModel m = assertPackedEqualsGraph(ABC_NET, seed);
      StageProduct.Abc abc = assertInstanceOf(StageProduct.Abc.class, m.stages().get(1).product());
      assertEquals(3, abc.weightBases());
      assertEquals(m, PackedModelFile.read(new ByteArrayInputStream(PackedModelFile.toBytes(m)), "abc.xnor"));
    }
  }

  @Test
  void rpreluFoldsWhileMonotoneAndRunsInFloatOtherwise() {
    String json = """
        {"input_shape": [6, 6, 3], "classes": 3, "layers": [
          {"type": "sign"},
          {"type": "binary_conv2d", "filters": 5, "kernel": 3, "padding": 1}, {"type": "batch_norm"}, {"type": "rprelu"}, {"type": "sign"},
          {"type": "flatten"}, {"type": "binary_dense", "units": 3}, {"type": "batch_norm"}, {"type": "rprelu"}]}""";
    PackedModel folded = assertPackedEqualsGraph(json, 51);
    assertTrue(folded.stages().get(1).folded(), "ζ ≥ 0: monotone, folded");
    Network net = network(json);
    float[][] ps = trainedLike(net, 52);
    int rprelu = net.layers().get(3).paramOffset();
    ps[0][rprelu + 5 + 1] = -0.7f; // channel 1's slope below the kink
    ps[0][rprelu + 1] = 0.4f;
    PackedModel model = PackedModel.compile(net, ps[0], ps[1], "test", json);
    assertTrue(!model.stages().get(1).folded(), "a negative slope is not monotone: the stage runs its operations");
    float[] x = inputs(net.spec(), 50, 53);
    float[] expected = new float[150];
    float[] actual = new float[150];
    net.predictLogits(ps[0], ps[1], x, 50, expected);
    model.newScorer().logits(x, 50, actual);
    assertArrayEquals(expected, actual, 0f);
  }

  /** Bi-Real blocks: real-valued shortcuts around sign → binary conv → BatchNorm, on an image and on features. */
  static final String BI_REAL = """
      {"input_shape": [6, 6, 2], "input_range": [0, 255], "classes": 3, "layers": [
        {"type": "conv2d", "filters": 8, "kernel": 3, "padding": 1}, {"type": "batch_norm"},
        {"type": "residual", "layers": [
          {"type": "shift"}, {"type": "sign", "quantizer": "approx_sign"},
          {"type": "binary_conv2d", "filters": 8, "kernel": 3, "padding": 1}, {"type": "batch_norm"}, {"type": "rprelu"}]},
        {"type": "max_pool2d", "pool": 2},
        {"type": "residual", "layers": [
          {"type": "sign"}, {"type": "binary_conv2d", "filters": 8, "kernel": 3, "padding": 1}, {"type": "batch_norm"}]},
        {"type": "flatten"}, {"type": "batch_norm"},
        {"type": "residual", "layers": [{"type": "sign"}, {"type": "binary_dense", "units": 72}, {"type": "batch_norm"}]},
        {"type": "dense", "units": 3}]}""";

  @Test
  void residualShortcutsEqualTrainingGraph() throws IOException {
    for (long seed = 61; seed <= 63; seed++) {
      PackedModel m = assertPackedEqualsGraph(BI_REAL, seed);
      PackedStage block = m.stages().get(1);
      assertInstanceOf(StageProduct.Block.class, block.product());
      // inside the block the binary convolution runs XNOR-popcount on the sign's bits
      assertEquals(PackedModel.Representation.BITS, PackedModel.block(block).stageInput(1), block.toString());
      PackedModel back = PackedModelFile.read(new ByteArrayInputStream(PackedModelFile.toBytes(m)), "bireal.xnor");
      assertEquals(m, back);
    }
    assertTrue(ModelSummary.describe(assertPackedEqualsGraph(BI_REAL, 64)).contains("residual 6×6×8→6×6×8: x + 2 stage(s)"));
  }

  @Test
  void convolutionalModelFileRoundTrips() throws IOException {
    PackedModel m = assertPackedEqualsGraph(CONV_BNN, 25);
    byte[] bytes = PackedModelFile.toBytes(m);
    PackedModel back = PackedModelFile.read(new ByteArrayInputStream(bytes), "conv.xnor");
    assertEquals(m, back);
    float[] x = inputs(back.inputSpec(), 5, 3);
    float[] a = new float[15];
    float[] b = new float[15];
    m.newScorer().logits(x, 5, a);
    back.newScorer().logits(x, 5, b);
    assertArrayEquals(a, b, 0f);
    assertTrue(ModelSummary.describe(m).contains("binary conv 3×3/1 4×4×5→2×2×7 · pool 2 · threshold → bits"), ModelSummary.describe(m));
  }

  @Test
  void foldedThresholdsEqualTheFloatChainForEveryReachableDot() {
    SplittableRandom rng = new SplittableRandom(5);
    int out = 200;
    for (int trial = 0; trial < 20; trial++) {
      int in = 1 + rng.nextInt(300);
      float[][] bn = new float[4][out];
      float[] bias = new float[out];
      for (int j = 0; j < out; j++) {
        bn[0][j] = (float) (rng.nextGaussian() * in / 3);
        bn[1][j] = BatchNorm.invStd((float) (in * rng.nextDouble()), 1e-5f);
        bn[2][j] = j % 17 == 0 ? 0f : (float) rng.nextGaussian();
        bn[3][j] = (float) (rng.nextGaussian() * 2);
        bias[j] = (float) rng.nextGaussian();
      }
      PointwiseOp[] ops = {new PointwiseOp(Lowering.OpKind.ADD_BIAS, new float[][] {bias}),
          new PointwiseOp(Lowering.OpKind.BATCH_NORM, bn), new PointwiseOp(Lowering.OpKind.HARDTANH, new float[0][])};
      for (boolean levels : new boolean[] {false, true}) {
        int max = levels ? in * 255 : in;
        Thresholds.DotValue value = levels ? d -> d / 256f : d -> (float) d;
        int[] thr = new int[out];
        boolean[] flip = new boolean[out];
        Thresholds.fold(ops, out, max, value, thr, flip);
        for (int j = 0; j < out; j++) {
          for (int d = -max; d <= max; d += levels ? 1 + rng.nextInt(97) : 1) {
            boolean expected = PointwiseOp.applyAll(ops, j, value.of(d)) >= 0f;
            boolean folded = flip[j] ? d <= thr[j] : d >= thr[j];
            assertEquals(expected, folded, "neuron " + j + " dot " + d);
          }
        }
      }
    }
  }

  @Test
  void fileRoundTripsAndRefusesDamage() throws IOException {
    Network net = network(BNN_MLP);
    float[][] ps = trainedLike(net, 3);
    PackedModel m = PackedModel.compile(net, ps[0], ps[1], "mlp", BNN_MLP);
    byte[] bytes = PackedModelFile.toBytes(m);
    assertEquals(m, PackedModelFile.read(new ByteArrayInputStream(bytes), "m.xnor"));

    byte[] corrupt = bytes.clone();
    corrupt[bytes.length / 2] ^= 0x10;
    assertMessage(corrupt, "checksum mismatch");
    assertMessage(java.util.Arrays.copyOf(bytes, bytes.length - 100), "checksum mismatch");
    assertMessage(java.util.Arrays.copyOf(bytes, 10), "truncated");
    byte[] version = bytes.clone();
    version[11] = 9;
    assertMessage(version, "version 9 is not supported");
    assertMessage("BNNSPARK-not-a-packed-model".getBytes(), "not a packed bnn-spark model");
  }

  private static void assertMessage(byte[] bytes, String fragment) {
    IOException e = assertThrows(IOException.class, () -> PackedModelFile.read(new ByteArrayInputStream(bytes), "m.xnor"));
    assertTrue(e.getMessage().startsWith("m.xnor: ") && e.getMessage().contains(fragment), e.getMessage());
  }

  @Test
  void summaryCountsParametersMemoryAndMacsByPrecision() {
    String json = """
        {"input_size": 784, "input_range": [0, 255], "classes": 10, "layers": [
          {"type": "binary_dense", "units": 512}, {"type": "batch_norm"}, {"type": "sign"},
          {"type": "binary_dense", "units": 512}, {"type": "batch_norm"}, {"type": "sign"},
          {"type": "binary_dense", "units": 10}, {"type": "batch_norm"}]}""";
    Network net = network(json);
    PackedModel m = PackedModel.compile(net, net.initParams(1), net.initState(), "mnist", json);
    ModelSummary.Totals t = ModelSummary.totals(m);
    assertEquals(784L * 512 + 512L * 512 + 512L * 10, t.binaryWeights());
    assertEquals(512L * 512 + 512L * 10, t.binaryMacs());
    assertEquals(784L * 512, t.levelMacs());
    assertEquals(0, t.floatMacs());
    assertEquals(40, t.floatParams()); // only the last BatchNorm stays float
    long packed = 8L * (512 * 13 + 512 * 8 + 10 * 8) + 5 * 1024 + 4 * 40;
    assertEquals(packed, t.packedBytes());
    assertTrue(t.compression() > 20, "compression " + t.compression());
    assertTrue(ModelSummary.describe(m).contains("smaller"));
  }
}
