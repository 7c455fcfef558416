package org.bnnspark.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** jobs/score.sh, jobs/evaluate.sh and jobs/inspect.sh on a model trained by jobs/train.sh. */
class ScoreJobIT {
  @TempDir
  static Path tmp;
  static Path data;
  static Path model;
  static String trainedAccuracy;
  static SparkSession spark;

  @BeforeAll
  static void train() throws Exception {
    data = TestData.write(tmp.resolve("idx"), 1200, 300, false);
    Path config = tmp.resolve("test.json");
    Files.writeString(config, TestData.CONFIG);
    model = tmp.resolve("model");
    JobRunner.Result r = JobRunner.train("--data", data.toString(), "--config", config.toString(), "--partitions", "2",
        "--master", "local[2]", "--output", model.toString(), "--quiet");
    assertEquals(0, r.exitCode(), r.stdout() + r.stderr());
    assertTrue(r.stdout().contains("same prediction on 300 (100.00%)"), r.stdout());
    trainedAccuracy = r.lastLine().substring("test_accuracy=".length());
    spark = SparkSession.builder().sparkContext(SparkSessionsAccess.local(1).sc()).getOrCreate();
  }

  @AfterAll
  static void stop() {
    if (spark != null) {
      spark.stop();
    }
  }

  private static JobRunner.Result job(String script, String... args) throws Exception {
    String[] cmd = new String[args.length + 1];
    cmd[0] = "jobs/" + script;
    System.arraycopy(args, 0, cmd, 1, args.length);
    return JobRunner.run(Map.of(), cmd);
  }

  private static String errorLine(JobRunner.Result r) {
    return r.stderr().lines().filter(l -> l.startsWith("error: ")).findFirst().orElse("(no error line) " + r.stderr());
  }

  @Test
  void evaluateAndScoreAgreeWithTheTrainingRun() throws Exception {
    JobRunner.Result eval = job("evaluate.sh", "--model", model.toString(), "--input", data.toString(), "--master", "local[2]");
    assertEquals(0, eval.exitCode(), eval.stderr());
    assertEquals("accuracy=" + trainedAccuracy, eval.lastLine());
    assertTrue(eval.stdout().contains("confusion matrix"), eval.stdout());
    String json = Files.readString(model.resolve("evaluation.json"));
    java.util.regex.Matcher acc = java.util.regex.Pattern.compile("\"accuracy\": ([0-9.]+)").matcher(json);
    assertTrue(acc.find() && json.contains("\"confusion_matrix\": [["), json);
    assertEquals(Double.parseDouble(trainedAccuracy), Double.parseDouble(acc.group(1)), 5e-5, json);
    java.awt.image.BufferedImage confusion = javax.imageio.ImageIO.read(model.resolve("confusion_matrix.png").toFile());
    assertTrue(confusion != null && confusion.getWidth() >= 200, "confusion matrix drawn as a PNG");

    // the float engine (training graph) agrees exactly with the packed model
    JobRunner.Result floats = job("evaluate.sh", "--model", model.toString(), "--input", data.toString(), "--engine", "float",
        "--json", tmp.resolve("float.json").toString());
    assertEquals("accuracy=" + trainedAccuracy, floats.lastLine(), floats.stderr());

    Path out = tmp.resolve("scored");
    JobRunner.Result score = job("score.sh", "--model", model.resolve("model.xnor").toString(), "--input", data.toString(),
        "--output", out.toString(), "--probabilities", "--master", "local[2]");
    assertEquals(0, score.exitCode(), score.stderr());
    Dataset<Row> scored = spark.read().parquet(out.toString());
    assertEquals(List.of("index", "label", "prediction", "probability_0", "probability_1", "probability_2", "probability_3"),
        List.of(scored.columns()));
    assertEquals(300, scored.count());
    assertEquals(300, scored.select("index").distinct().count());
    long hits = scored.where("label = prediction").count();
    assertEquals(trainedAccuracy, String.format(java.util.Locale.ROOT, "%.4f", hits / 300.0));
    double maxSumError = scored.select(functions.max(functions.abs(functions.expr(
        "probability_0 + probability_1 + probability_2 + probability_3 - 1")))).first().getDouble(0);
    assertTrue(maxSumError < 1e-5, "probabilities sum to 1: " + maxSumError);

    JobRunner.Result again = job("score.sh", "--model", model.toString(), "--input", data.toString(), "--output", out.toString());
    assertEquals(1, again.exitCode());
    assertTrue(errorLine(again).contains("already exists"), errorLine(again));
    JobRunner.Result overwrite = job("score.sh", "--model", model.toString(), "--input", data.toString(), "--output",
        out.toString(), "--overwrite");
    assertEquals(0, overwrite.exitCode(), overwrite.stderr());
    assertEquals(List.of("index", "label", "prediction"), List.of(spark.read().parquet(out.toString()).columns()));
  }

  @Test
  void csvInAndOutWithRawScores() throws Exception {
    Path csv = TestData.csvFromIdx(data, "t10k", tmp.resolve("test.csv"));
    Path out = tmp.resolve("scored-csv");
    JobRunner.Result score = job("score.sh", "--model", model.toString(), "--input", csv.toString(), "--format", "csv",
        "--label-col", "0", "--output", out.toString(), "--output-format", "csv", "--raw-scores");
    assertEquals(0, score.exitCode(), score.stderr());
    Dataset<Row> scored = spark.read().option("header", "true").option("inferSchema", "true").csv(out.toString());
    assertEquals(List.of("input_file", "input_offset", "label", "prediction", "raw_0", "raw_1", "raw_2", "raw_3"),
        List.of(scored.columns()));
    assertEquals(300, scored.count());
    assertEquals(300, scored.select("input_offset").distinct().count());
    // the prediction is the argmax of the raw scores
    assertEquals(0, scored.where("prediction = 0 AND raw_0 < greatest(raw_1, raw_2, raw_3)").count());
    long hits = scored.where("label = prediction").count();
    assertEquals(trainedAccuracy, String.format(java.util.Locale.ROOT, "%.4f", hits / 300.0));
  }

  @Test
  void badRowsFailTheJobByDefaultOrGoToQuarantine() throws Exception {
    Path csv = TestData.csvFromIdx(data, "t10k", tmp.resolve("dirty.csv"));
    String good = Files.readAllLines(csv).get(0);
    String[] cells = good.split(",");
    String nan = good.replaceFirst(",[^,]*$", ",NaN");
    String shortRow = String.join(",", java.util.Arrays.copyOf(cells, cells.length - 3));
    String word = good.replaceFirst(",[^,]*,", ",seven,");
    String badLabel = "9" + good.substring(good.indexOf(','));
    Files.writeString(csv, String.join("\n", nan, shortRow, word, badLabel) + "\n", java.nio.file.StandardOpenOption.APPEND);

    Path out = tmp.resolve("dirty-out");
    JobRunner.Result fail = job("score.sh", "--model", model.toString(), "--input", csv.toString(), "--format", "csv",
        "--label-col", "0", "--output", out.toString());
    assertEquals(1, fail.exitCode());
    assertTrue(errorLine(fail).contains(csv.getFileName().toString()) && errorLine(fail).contains("line at byte"), errorLine(fail));
    assertFalse(Files.exists(out));

    JobRunner.Result q = job("score.sh", "--model", model.toString(), "--input", csv.toString(), "--format", "csv",
        "--label-col", "0", "--output", out.toString(), "--bad-rows", "quarantine");
    assertEquals(0, q.exitCode(), q.stderr());
    assertTrue(q.stdout().contains("quarantined 4 bad rows"), q.stdout());
    assertEquals(300, spark.read().parquet(out.toString()).where("prediction IS NOT NULL").count());
    assertEquals(300, spark.read().parquet(out.toString()).count());
    List<String> errors = spark.read().parquet(out + "-quarantine").select("error").as(org.apache.spark.sql.Encoders.STRING())
        .collectAsList();
    assertEquals(4, errors.size(), errors.toString());
    for (String expected : List.of("is not a finite number", "columns, expected", "'seven' is not a number", "label 9.0")) {
      assertTrue(errors.stream().anyMatch(e -> e.contains(expected) && e.contains("line at byte")), expected + " in " + errors);
    }
  }

  @Test
  void inspectAndBadModelsGiveOneLineErrorsAndNoOutput() throws Exception {
    JobRunner.Result inspect = job("inspect.sh", model.toString());
    assertEquals(0, inspect.exitCode(), inspect.stderr());
    assertTrue(inspect.stdout().contains("threshold → bits") && inspect.stdout().contains("smaller"), inspect.stdout());

    Path corrupt = tmp.resolve("corrupt.xnor");
    byte[] bytes = Files.readAllBytes(model.resolve("model.xnor"));
    bytes[bytes.length / 2] ^= 1;
    Files.write(corrupt, bytes);
    Path out = tmp.resolve("never");
    // a leftover of a killed earlier run is cleaned up, and no output appears for a failed one
    Files.createDirectories(tmp.resolve(".never.staging-killed"));
    JobRunner.Result r = job("score.sh", "--model", corrupt.toString(), "--input", data.toString(), "--output", out.toString());
    assertEquals(1, r.exitCode());
    assertTrue(errorLine(r).contains(corrupt.toString()) && errorLine(r).contains("checksum mismatch"), errorLine(r));
    assertFalse(Files.exists(out));
    assertFalse(Files.exists(tmp.resolve(".never.staging-killed")));

    JobRunner.Result floatOnPacked = job("evaluate.sh", "--model", model.resolve("model.xnor").toString(), "--input",
        data.toString(), "--engine", "float");
    assertEquals(1, floatOnPacked.exitCode());
    assertTrue(errorLine(floatOnPacked).contains("a packed model has no float network"), errorLine(floatOnPacked));

    JobRunner.Result missing = job("evaluate.sh", "--model", tmp.resolve("nothing").toString(), "--input", data.toString());
    assertEquals(1, missing.exitCode());
    assertTrue(errorLine(missing).contains("no such model file or directory"), errorLine(missing));

    JobRunner.Result help = job("score.sh", "--help");
    assertEquals(0, help.exitCode());
    for (String option : List.of("--model", "--input", "--format", "--output", "--master", "--probabilities")) {
      assertTrue(help.stdout().contains(option), "--help must document " + option);
    }
  }
}
