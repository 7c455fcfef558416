package org.bnnspark.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** jobs/train.sh end to end through spark-submit semantics (SparkSubmit on the laid-out classpath). */
class TrainJobIT {
  @TempDir
  static Path tmp;
  static Path data;
  static Path config;

  @BeforeAll
  static void data() throws Exception {
    data = TestData.write(tmp.resolve("idx"), 1200, 300, true);
    config = tmp.resolve("test.json");
    Files.writeString(config, TestData.CONFIG);
  }

  private static JobRunner.Result train(String master, String out, String... extra) throws Exception {
    List<String> args = new java.util.ArrayList<>(List.of("--data", data.toString(), "--config", config.toString(),
        "--partitions", "2", "--master", master, "--output", out, "--quiet"));
    args.addAll(List.of(extra));
    JobRunner.Result r = JobRunner.train(args.toArray(new String[0]));
    assertEquals(0, r.exitCode(), r.stdout() + r.stderr());
    return r;
  }

  @Test
  void localOneAndTwoThreadsGiveByteIdenticalModelsAndPrintTestAccuracyLast() throws Exception {
    JobRunner.Result one = train("local[1]", tmp.resolve("l1").toString());
    train("local[2]", tmp.resolve("l2").toString());
    assertArrayEquals(Files.readAllBytes(tmp.resolve("l1/model.bnn")), Files.readAllBytes(tmp.resolve("l2/model.bnn")));
    assertTrue(one.lastLine().matches("test_accuracy=0\\.\\d{4}"), one.lastLine());
    double acc = Double.parseDouble(one.lastLine().substring("test_accuracy=".length()));
    assertTrue(acc > 0.8, "4 classes, chance 0.25: got " + acc);
    List<String> metrics = Files.readAllLines(tmp.resolve("l1/metrics.jsonl"));
    assertEquals(2, metrics.size());
    assertTrue(metrics.get(1).contains("\"flip_ratio\":") && metrics.get(1).contains("\"examples_per_second\":"), metrics.get(1));
    assertEquals(TestData.CONFIG, Files.readString(tmp.resolve("l1/config.json")));
    // report.html: the four learning-curve charts as PNGs, one table row per epoch, the final accuracy and the config
    String report = Files.readString(tmp.resolve("l1/report.html"));
    java.util.regex.Matcher png = java.util.regex.Pattern.compile("data:image/png;base64,([A-Za-z0-9+/=]+)").matcher(report);
    int charts = 0;
    while (png.find()) {
      assertTrue(javax.imageio.ImageIO.read(new java.io.ByteArrayInputStream(java.util.Base64.getDecoder().decode(png.group(1)))) != null);
      charts++;
    }
    assertEquals(4, charts);
    assertEquals(2, report.split("<tr><td>", -1).length - 1, report);
    assertTrue(report.contains("test accuracy</td><td style=\"text-align:left\">" + one.lastLine().substring("test_accuracy=".length())),
        report);
    assertTrue(report.contains("binary_dense") && report.contains("Packed model"), report);
  }

  @Test
  void resumeFromTheHalfwayCheckpointEndsWithTheSameModel() throws Exception {
    Path straight = tmp.resolve("straight");
    Path halves = tmp.resolve("halves");
    train("local[2]", straight.toString(), "--epochs", "4");
    JobRunner.Result first = train("local[2]", halves.toString(), "--epochs", "4", "--stop-after", "2");
    assertTrue(first.stdout().contains("continue with --resume"));
    assertFalse(Files.exists(halves.resolve("model.bnn")));
    JobRunner.Result second = train("local[2]", halves.toString(), "--epochs", "4", "--resume");
    assertTrue(second.stdout().contains("resuming from"), second.stdout());
    assertArrayEquals(Files.readAllBytes(straight.resolve("model.bnn")), Files.readAllBytes(halves.resolve("model.bnn")));
    assertEquals(Files.readAllLines(straight.resolve("metrics.jsonl")).size(), Files.readAllLines(halves.resolve("metrics.jsonl")).size());
    // the resumed run's report still has every epoch, the ones before the stop read back from metrics.jsonl
    assertEquals(4, Files.readString(halves.resolve("report.html")).split("<tr><td>", -1).length - 1);
  }

  @Test
  void convolutionalNetworkAndASecondTrainingStageFromAFirstOne() throws Exception {
    // the 8×8 test images as a one-channel image: binary convolution with zero padding, pooling, dense head
    Path conv = tmp.resolve("conv.json");
    Files.writeString(conv, TestData.CONFIG.replace("\"input_size\": 64,", "\"input_shape\": [8, 8, 1],").replace(
        "{\"type\": \"binary_dense\", \"units\": 48}, {\"type\": \"batch_norm\"}, {\"type\": \"sign\"},",
        "{\"type\": \"binary_conv2d\", \"filters\": 8, \"kernel\": 3, \"padding\": 1}, {\"type\": \"max_pool2d\", \"pool\": 2},"
            + " {\"type\": \"batch_norm\"}, {\"type\": \"sign\"}, {\"type\": \"flatten\"},"));
    JobRunner.Result convRun = JobRunner.train("--data", data.toString(), "--config", conv.toString(), "--partitions", "2",
        "--master", "local[2]", "--output", tmp.resolve("conv-out").toString());
    assertEquals(0, convRun.exitCode(), convRun.stdout() + convRun.stderr());
    assertTrue(convRun.stdout().contains("BinaryConv2d(8×8×1→8×8×8, 3×3/1 pad 1"), convRun.stdout());
    assertTrue(convRun.stdout().contains("same prediction on 300 (100.00%)"), convRun.stdout());
    assertTrue(Double.parseDouble(convRun.lastLine().substring("test_accuracy=".length())) > 0.8, convRun.lastLine());

    // Bitwise Neural Networks' two stages: tanh-compressed real weights first, then the binary network from them
    Path stage1 = tmp.resolve("stage1.json");
    Files.writeString(stage1, TestData.CONFIG.replace("\"binary_dense\", \"units\": 48}", "\"dense\", \"units\": 48, \"bias\": false, "
        + "\"weight_compression\": \"tanh\"}").replace("\"binary_dense\", \"units\": 32}", "\"dense\", \"units\": 32, \"bias\": false, "
        + "\"weight_compression\": \"tanh\"}").replace("\"binary_dense\", \"units\": 4}", "\"dense\", \"units\": 4, \"bias\": false, "
        + "\"weight_compression\": \"tanh\"}").replace("{\"type\": \"sign\"}", "{\"type\": \"tanh\"}"));
    train("local[2]", tmp.resolve("stage1").toString(), "--config", stage1.toString());
    JobRunner.Result second = train("local[2]", tmp.resolve("stage2").toString(), "--init-from", tmp.resolve("stage1").toString());
    assertTrue(second.stdout().contains("starting from " + tmp.resolve("stage1")), second.stdout());
    assertTrue(Double.parseDouble(second.lastLine().substring("test_accuracy=".length())) > 0.8, second.lastLine());

    JobRunner.Result mismatch = JobRunner.train("--data", data.toString(), "--config", config.toString(), "--output",
        tmp.resolve("mismatch").toString(), "--init-from", tmp.resolve("conv-out").toString());
    assertEquals(1, mismatch.exitCode());
    String error = mismatch.stderr().lines().filter(l -> l.startsWith("error: ")).findFirst().orElse("");
    assertTrue(error.contains("conv-out: cannot start test-bnn from it"), mismatch.stderr());
    assertFalse(Files.exists(tmp.resolve("mismatch/model.bnn")));
  }

  @Test
  void csvInputTrainsThroughTheSameJob() throws Exception {
    Path idx = TestData.write(tmp.resolve("plain"), 1200, 300, false);
    Path train = TestData.csvFromIdx(idx, "train", tmp.resolve("train.csv"));
    Path test = TestData.csvFromIdx(idx, "t10k", tmp.resolve("test.csv"));
    JobRunner.Result r = JobRunner.train("--format", "csv", "--data", train.toString(), "--test", test.toString(),
        "--config", config.toString(), "--partitions", "2", "--master", "local[2]", "--output", tmp.resolve("csv-out").toString(),
        "--quiet");
    assertEquals(0, r.exitCode(), r.stdout() + r.stderr());
    assertTrue(r.lastLine().startsWith("test_accuracy="), r.lastLine());
    assertTrue(Double.parseDouble(r.lastLine().substring("test_accuracy=".length())) > 0.8, r.lastLine());
  }

  @Test
  void badInputFailsWithOneLineNamingTheFileAndWritesNoModel() throws Exception {
    Path bad = tmp.resolve("bad");
    Files.createDirectories(bad);
    Path images = bad.resolve("train-images-idx3-ubyte");
    TestData.write(tmp.resolve("good"), 100, 10, false);
    Files.copy(tmp.resolve("good/train-images-idx3-ubyte"), images);
    Files.copy(tmp.resolve("good/train-labels-idx1-ubyte"), bad.resolve("train-labels-idx1-ubyte"));
    try (RandomAccessFile f = new RandomAccessFile(images.toFile(), "rw")) {
      f.setLength(f.length() - 100); // truncated
    }
    JobRunner.Result r = JobRunner.train("--data", bad.toString(), "--config", config.toString(), "--output",
        tmp.resolve("bad-out").toString());
    assertEquals(1, r.exitCode());
    String error = r.stderr().lines().filter(l -> l.startsWith("error: ")).findFirst().orElse("");
    assertTrue(error.contains(images.toString()) && error.contains("but the file has"), r.stderr());
    assertFalse(Files.exists(tmp.resolve("bad-out/model.bnn")));

    Path empty = tmp.resolve("empty.csv");
    Files.writeString(empty, "");
    JobRunner.Result none = JobRunner.train("--format", "csv", "--data", empty.toString(), "--config", config.toString(),
        "--output", tmp.resolve("empty-out").toString());
    assertEquals(1, none.exitCode());
    assertTrue(none.stderr().contains("error: " + empty + ": no training rows"), none.stderr());
    assertFalse(Files.exists(tmp.resolve("empty-out/model.bnn")));

    JobRunner.Result usage = JobRunner.train("--data", bad.toString(), "--epochs", "zero", "--output", "x");
    assertEquals(2, usage.exitCode());
    assertTrue(usage.stderr().contains("error: option --epochs: expected a positive integer, got 'zero'"), usage.stderr());

    JobRunner.Result sync = JobRunner.train("--data", bad.toString(), "--sync", "every_step", "--compression", "sign_ef",
        "--output", tmp.resolve("sync-out").toString());
    assertEquals(2, sync.exitCode(), sync.stderr());
    assertTrue(sync.stderr().contains("error: sync: local_steps, outer and compression belong to strategy \"local\""), sync.stderr());
    JobRunner.Result steps = JobRunner.train("--data", bad.toString(), "--sync", "local", "--local-steps", "0", "--output", "x");
    assertEquals(2, steps.exitCode());
    assertTrue(steps.stderr().contains("error: option --local-steps: expected a positive integer, got '0'"), steps.stderr());

    JobRunner.Result help = JobRunner.train("--help");
    assertEquals(0, help.exitCode());
    for (String option : List.of("--data", "--format", "--test", "--config", "--epochs", "--batch-size", "--partitions",
        "--seed", "--master", "--output", "--resume", "--sync", "--local-steps", "--compression")) {
      assertTrue(help.stdout().contains(option), "--help must document " + option);
    }
  }
}
