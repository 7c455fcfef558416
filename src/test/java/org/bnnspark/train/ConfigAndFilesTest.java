package org.bnnspark.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bnnspark.nn.ConfigException;
import org.junit.jupiter.api.Test;

class ConfigAndFilesTest {

  @Test
  void everyConfigUnderConfParses() throws IOException {
    try (var files = Files.list(Path.of("conf"))) {
      long n = files.filter(p -> p.toString().endsWith(".json")).peek(p -> {
        try {
          ModelConfig c = ModelConfig.parse(Files.readString(p), p.toString());
          assertTrue(new org.bnnspark.nn.Network(c.network()).paramCount() > 0);
        } catch (IOException e) {
          throw new RuntimeException(e);
        }
      }).count();
      assertTrue(n >= 2, "conf/ must hold at least the quickstart and full MNIST configurations");
    }
  }

  private static String bnnWith(String layers) {
    return "{\"network\": {\"input_size\": 8, \"classes\": 3, \"layers\": [" + layers + "]}}";
  }

  @Test
  void badConfigurationsAreRefusedWithTheFieldNamed() {
    ConfigException unknown = assertThrows(ConfigException.class,
        () -> ModelConfig.parse(bnnWith("{\"type\": \"conv9d\", \"units\": 3}"), "x.json"));
    assertEquals("x.json: network.layers[0]: unknown layer type 'conv9d' (expected one of: "
        + String.join(", ", org.bnnspark.nn.LayerSpec.TYPES) + ")", unknown.getMessage());
    assertTrue(org.bnnspark.nn.LayerSpec.TYPES.containsAll(java.util.List.of("binary_conv2d", "max_pool2d", "flatten", "abc_conv2d", "rprelu")));
    ConfigException width = assertThrows(ConfigException.class,
        () -> ModelConfig.parse(bnnWith("{\"type\": \"dense\", \"units\": 0}"), "x.json"));
    assertTrue(width.getMessage().contains("network.layers[0]: 'units': expected a positive integer"), width.getMessage());
    ConfigException classes = assertThrows(ConfigException.class,
        () -> ModelConfig.parse(bnnWith("{\"type\": \"dense\", \"units\": 4}"), "x.json"));
    assertTrue(classes.getMessage().contains("last layer has 4 outputs but 'classes' is 3"), classes.getMessage());
    ConfigException typo = assertThrows(ConfigException.class,
        () -> ModelConfig.parse(bnnWith("{\"type\": \"dense\", \"unit\": 3}"), "x.json"));
    assertTrue(typo.getMessage().contains("unknown field 'unit'"), typo.getMessage());
    ConfigException quant = assertThrows(ConfigException.class,
        () -> ModelConfig.parse(bnnWith("{\"type\": \"sign\", \"quantizer\": \"magic\"}, {\"type\": \"dense\", \"units\": 3}"), "x.json"));
    assertTrue(quant.getMessage().contains("unknown quantizer 'magic'"), quant.getMessage());
    ConfigException scale = assertThrows(ConfigException.class,
        () -> ModelConfig.parse(bnnWith("{\"type\": \"binary_dense\", \"units\": 3, \"scale\": \"max\"}"), "x.json"));
    assertTrue(scale.getMessage().contains("network.layers[0]: 'scale': expected one of none, mean_abs, learned, learned_chw, got 'max'"), scale.getMessage());
    ConfigException chw = assertThrows(ConfigException.class,
        () -> ModelConfig.parse(bnnWith("{\"type\": \"binary_dense\", \"units\": 3, \"scale\": \"learned_chw\"}"), "x.json"));
    assertTrue(chw.getMessage().contains("network.layers[0]: 'scale': learned_chw factors over a convolution's output height and width"),
        chw.getMessage());
    ConfigException kBias = assertThrows(ConfigException.class, () -> ModelConfig.parse(
        bnnWith("{\"type\": \"binary_dense\", \"units\": 3, \"activation_scale\": true, \"bias\": true}"), "x.json"));
    assertTrue(kBias.getMessage().contains("network.layers[0]: 'activation_scale': K scales the product, so the layer takes no bias"),
        kBias.getMessage());
    ConfigException scaleBias = assertThrows(ConfigException.class, () -> ModelConfig.parse(
        bnnWith("{\"type\": \"binary_dense\", \"units\": 3, \"scale\": \"mean_abs\", \"bias\": true}"), "x.json"));
    assertTrue(scaleBias.getMessage().contains("takes no bias"), scaleBias.getMessage());
    String image = "{\"network\": {\"input_shape\": [6, 6, 1], \"classes\": 3, \"layers\": [%s]}}";
    ConfigException noFlatten = assertThrows(ConfigException.class, () -> ModelConfig.parse(image.formatted(
        "{\"type\": \"binary_conv2d\", \"filters\": 4, \"kernel\": 3}, {\"type\": \"dense\", \"units\": 3}"), "x.json"));
    assertEquals("x.json: network.layers[1]: dense takes a feature vector but receives a 4×4×4 image (add {\"type\": \"flatten\"} before it)",
        noFlatten.getMessage());
    ConfigException bigKernel = assertThrows(ConfigException.class, () -> ModelConfig.parse(image.formatted(
        "{\"type\": \"conv2d\", \"filters\": 4, \"kernel\": 7}, {\"type\": \"flatten\"}, {\"type\": \"dense\", \"units\": 3}"), "x.json"));
    assertEquals("x.json: network.layers[0]: a 7×7 window does not fit a 6×6×1 input with padding 0", bigKernel.getMessage());
    ConfigException shapeSize = assertThrows(ConfigException.class, () -> ModelConfig.parse(
        "{\"network\": {\"input_size\": 30, \"input_shape\": [6, 6, 1], \"classes\": 3, \"layers\": [{\"type\": \"dense\", \"units\": 3}]}}", "x.json"));
    assertTrue(shapeSize.getMessage().contains("'input_size' is 30 but 'input_shape' 6×6×1 holds 36 values"), shapeSize.getMessage());
    ConfigException json = assertThrows(ConfigException.class, () -> ModelConfig.parse("{\"network\": [", "x.json"));
    assertTrue(json.getMessage().startsWith("x.json: not valid JSON at line 1"), json.getMessage());
  }

  @Test
  void modelAndCheckpointRoundTripAndCorruptionIsRefused() throws IOException {
    ModelConfig cfg = TrainingTest.config();
    TrainingState s = new TrainingState(cfg);
    RowBlock data = SyntheticData.prototypes(200, 32, 4, 0.3, 9);
    java.util.List<EpochMetrics> m = new java.util.ArrayList<>();
    LocalTrainer.train(s, java.util.List.of(java.util.List.of(data)), java.util.List.of(), m::add);

    ByteArrayOutputStream model = new ByteArrayOutputStream();
    NetworkFile.writeModel(model, cfg, s.params, s.state);
    NetworkFile.Model back = NetworkFile.readModel(new ByteArrayInputStream(model.toByteArray()), "model.bnn");
    assertArrayEquals(s.params, back.params());
    assertArrayEquals(s.state, back.state());
    assertEquals(cfg.text(), back.config().text());

    ByteArrayOutputStream ckpt = new ByteArrayOutputStream();
    NetworkFile.writeCheckpoint(ckpt, s);
    TrainingState r = NetworkFile.readCheckpoint(new ByteArrayInputStream(ckpt.toByteArray()), "c.ckpt", cfg);
    assertArrayEquals(s.params, r.params);
    assertEquals(s.globalStep, r.globalStep);
    assertEquals(s.epoch, r.epoch);

    byte[] bytes = model.toByteArray();
    bytes[bytes.length / 2] ^= 1;
    IOException corrupt = assertThrows(IOException.class, () -> NetworkFile.readModel(new ByteArrayInputStream(bytes), "model.bnn"));
    assertEquals("model.bnn: checksum mismatch (the file is truncated or corrupt)", corrupt.getMessage());
    byte[] truncated = java.util.Arrays.copyOf(model.toByteArray(), 100);
    assertThrows(IOException.class, () -> NetworkFile.readModel(new ByteArrayInputStream(truncated), "model.bnn"));
    IOException notModel = assertThrows(IOException.class,
        () -> NetworkFile.readModel(new ByteArrayInputStream("hello, this is not a model at all".getBytes()), "x"));
    assertTrue(notModel.getMessage().contains("wrong magic number"));
    IOException kind = assertThrows(IOException.class,
        () -> NetworkFile.readModel(new ByteArrayInputStream(ckpt.toByteArray()), "c.ckpt"));
    assertTrue(kind.getMessage().contains("expected a trained network but found a checkpoint"), kind.getMessage());
  }

  @Test
  void arraysAndFramedFilesAreWrittenAsTheirPerValueAndBufferedForms() throws IOException {
    java.util.SplittableRandom rng = new java.util.SplittableRandom(11);
    for (int n : new int[] {0, 1, 2047, 2048, 2049, 4096, 5001}) {
      float[] a = new float[n];
      for (int i = 0; i < n; i++) {
        int kind = rng.nextInt(8);
        a[i] = kind == 0 ? Float.intBitsToFloat(0x7fc00000 | rng.nextInt(1 << 22)) // NaN with a payload
            : kind == 1 ? -0f : kind == 2 ? Float.NEGATIVE_INFINITY : (float) rng.nextGaussian();
      }
      ByteArrayOutputStream perValue = new ByteArrayOutputStream();
      java.io.DataOutputStream d = new java.io.DataOutputStream(perValue);
      d.writeInt(n);
      for (float v : a) {
        d.writeFloat(v);
      }
      ByteArrayOutputStream chunked = new ByteArrayOutputStream();
      Optimizer.writeArray(new java.io.DataOutputStream(chunked), a);
      assertArrayEquals(perValue.toByteArray(), chunked.toByteArray(), "length " + n);

      byte[] magic = "BNNTEST1".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
      org.bnnspark.io.FramedFile.Body body = out -> Optimizer.writeArray(out, a);
      ByteArrayOutputStream streamed = new ByteArrayOutputStream();
      org.bnnspark.io.FramedFile.write(streamed, magic, 3, body);
      byte[] buffered = org.bnnspark.io.FramedFile.write(magic, 3, body);
      assertArrayEquals(buffered, streamed.toByteArray(), "length " + n);
      java.util.zip.CRC32 crc = new java.util.zip.CRC32();
      crc.update(buffered, 0, buffered.length - 8);
      assertEquals(crc.getValue(), java.nio.ByteBuffer.wrap(buffered, buffered.length - 8, 8).getLong());
      assertEquals(3, org.bnnspark.io.FramedFile.open(buffered, magic, 1, 3, "t", "test file").version());
    }
  }

  @Test
  void schedulesFollowTheirFormulas() {
    assertEquals(0.01f, new Schedule("constant", 0.01, 0, 1, 0).at(500, 1000, 100));
    assertEquals(0.01f, new Schedule("cosine", 0.01, 0, 1, 0).at(0, 1000, 100));
    assertEquals(0.005f, new Schedule("cosine", 0.01, 0, 1, 0).at(500, 1000, 100), 1e-7);
    assertEquals(0f, new Schedule("cosine", 0.01, 0, 1, 0).at(1000, 1000, 100), 1e-9);
    assertEquals(0.001f, new Schedule("step", 0.01, 0.1, 2, 0).at(250, 1000, 100), 1e-9);
    assertEquals(0.0025f, new Schedule("exponential", 0.01, 0.5, 1, 0).at(200, 1000, 100), 1e-9);
  }

  @Test
  void optimizerStateRoundTrips() throws IOException {
    org.bnnspark.nn.Network net = new TrainingState(TrainingTest.config()).network;
    java.util.SplittableRandom rng = new java.util.SplittableRandom(3);
    float[] g1 = new float[net.paramCount()];
    float[] g2 = new float[net.paramCount()];
    for (int i = 0; i < g1.length; i++) {
      g1[i] = (float) rng.nextGaussian();
      g2[i] = (float) rng.nextGaussian();
    }
    for (String opt : TrainingSpec.OPTIMIZERS) {
      // Bop with τ = 0 and γ = 1 flips on every gradient that pushes against a weight: its state must carry over
      TrainingSpec spec = new TrainingSpec(1, 1, 1, opt, 0.9, 0.999, 1e-8, 0.9, true, 0, 1, null, SyncSpec.EVERY_STEP);
      Optimizer a = spec.newOptimizer(net);
      float[] p = net.initParams(1);
      a.initialize(p);
      a.step(p, g1, 0.01f);
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      a.writeState(new java.io.DataOutputStream(bytes));
      Optimizer b = spec.newOptimizer(net);
      b.readState(new java.io.DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
      float[] pa = p.clone();
      float[] pb = p.clone();
      a.step(pa, g2, 0.01f);
      b.step(pb, g2, 0.01f);
      assertArrayEquals(pa, pb, opt);
      assertFalse(java.util.Arrays.equals(p, pa), opt + " changed nothing");
    }
  }

  @Test
  void bopKeepsBinaryWeightsAtPlusMinusOneAndFlipsWhereTheAverageGradientPushesAgainstThem() {
    org.bnnspark.nn.Network net = new TrainingState(TrainingTest.config()).network;
    TrainingSpec spec = new TrainingSpec(1, 1, 1, "bop", 0.9, 0.999, 1e-8, 0.9, false, 1e-3, 0.5, null, SyncSpec.EVERY_STEP);
    Optimizer bop = spec.newOptimizer(net);
    float[] p = net.initParams(1);
    bop.initialize(p);
    org.bnnspark.nn.Layer first = net.layers().get(0);
    int off = first.binaryWeightOffset();
    float[] g = new float[p.length];
    for (int i = 0; i < 4; i++) {
      g[off + i] = p[off + i] * 0.01f; // pushes against the weight (gradient descent would move it toward −w)
    }
    g[off + 4] = -p[off + 4] * 0.01f;  // agrees with the weight
    g[off + 5] = p[off + 5] * 0.001f;  // against it, but |m| = 0.5·0.001 stays under τ
    float[] before = p.clone();
    bop.step(p, g, 0.01f);
    for (int i = 0; i < 4; i++) {
      assertEquals(-before[off + i], p[off + i], "flipped");
    }
    assertEquals(before[off + 4], p[off + 4]);
    assertEquals(before[off + 5], p[off + 5]);
    for (org.bnnspark.nn.Layer layer : net.layers()) {
      for (int i = 0; i < layer.binaryWeightCount(); i++) {
        float w = p[layer.binaryWeightOffset() + i];
        assertTrue(w == 1f || w == -1f, "binary weight " + w);
      }
    }
  }

  @Test
  void aCheckpointOfAnotherArchitectureIsRefused() throws IOException {
    ModelConfig cfg = TrainingTest.config();
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    NetworkFile.writeCheckpoint(bytes, new TrainingState(cfg));
    ModelConfig wider = ModelConfig.parse(cfg.text().replaceFirst("\"units\": (\\d+)", "\"units\": 99"), "wider.json");
    IOException e = assertThrows(IOException.class,
        () -> NetworkFile.readCheckpoint(new java.io.ByteArrayInputStream(bytes.toByteArray()), "epoch-0001.ckpt", wider));
    assertEquals("epoch-0001.ckpt: checkpoint is of another architecture than the configuration", e.getMessage());
  }
}
