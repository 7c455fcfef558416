package org.bnnspark.spark.ml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** BnnClassifier in a Spark ML Pipeline, evaluated with MulticlassClassificationEvaluator. */
class BnnClassifierTest {
  static final String CONFIG = """
      {"network": {"input_size": 16, "classes": 3, "layers": [
         {"type": "binary_dense", "units": 32}, {"type": "batch_norm"}, {"type": "sign"},
         {"type": "binary_dense", "units": 3}, {"type": "batch_norm"}]},
       "training": {"epochs": 6, "batch_size": 32, "seed": 1, "schedule": {"type": "cosine", "lr": 0.02}}}
      """;

  @TempDir
  static Path tmp;
  static SparkSession spark;
  static Dataset<Row> train;
  static Dataset<Row> test;

  @BeforeAll
  static void start() throws Exception {
    spark = SparkSession.builder().sparkContext(org.bnnspark.spark.SparkSessionsAccess.local(2).sc()).getOrCreate();
    SplittableRandom rng = new SplittableRandom(4);
    int[][] proto = new int[3][16];
    for (int[] p : proto) {
      for (int j = 0; j < 16; j++) {
        p[j] = rng.nextBoolean() ? 1 : -1;
      }
    }
    StringBuilder sb = new StringBuilder();
    for (int r = 0; r < 900; r++) {
      int c = rng.nextInt(3);
      sb.append(c);
      for (int j = 0; j < 16; j++) {
        sb.append(',').append(proto[c][j] * (rng.nextDouble() < 0.1 ? -1 : 1) + 0.4 * (rng.nextDouble() - 0.5));
      }
      sb.append('\n');
    }
    Path csv = tmp.resolve("d.csv");
    Files.writeString(csv, sb.toString());
    String ddl = "label INT" + java.util.stream.IntStream.range(0, 16).mapToObj(i -> ", f" + i + " DOUBLE")
        .collect(java.util.stream.Collectors.joining());
    Dataset<Row> all = spark.read().schema(ddl).csv(csv.toString());
    train = all.limit(700);
    test = all.except(train);
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  @Test
  void fitsInAPipelineAndScoresWellAboveChance() {
    String[] inputs = java.util.stream.IntStream.range(0, 16).mapToObj(i -> "f" + i).toArray(String[]::new);
    BnnClassifier bnn = new BnnClassifier().setConfig(CONFIG).setNumPartitions(2);
    Pipeline pipeline = new Pipeline().setStages(new PipelineStage[] {
        new VectorAssembler().setInputCols(inputs).setOutputCol("features"), bnn});
    PipelineModel model = pipeline.fit(train);
    Dataset<Row> scored = model.transform(test);
    assertTrue(java.util.Arrays.asList(scored.columns()).containsAll(java.util.List.of("rawPrediction", "probability", "prediction")));
    double accuracy = new MulticlassClassificationEvaluator().setMetricName("accuracy").evaluate(scored);
    assertTrue(accuracy > 0.9, "3 classes, chance 1/3: accuracy " + accuracy);
    assertEquals(test.count(), scored.count());
    BnnClassificationModel bnnModel = (BnnClassificationModel) model.stages()[1];
    assertEquals(6, bnnModel.config().training().epochs());

    // saved and loaded (MLWritable / MLReadable), the pipeline predicts exactly the same
    String saved = tmp.resolve("pipeline-model").toString();
    try {
      model.write().overwrite().save(saved);
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
    PipelineModel loaded = PipelineModel.load(saved);
    BnnClassificationModel loadedBnn = (BnnClassificationModel) loaded.stages()[1];
    assertEquals(bnnModel.packedModel(), loadedBnn.packedModel());
    assertEquals(bnnModel.uid(), loadedBnn.uid());
    java.util.List<Row> before = scored.select("prediction", "rawPrediction").collectAsList();
    java.util.List<Row> after = loaded.transform(test).select("prediction", "rawPrediction").collectAsList();
    assertEquals(before, after);
    assertEquals(accuracy, new MulticlassClassificationEvaluator().setMetricName("accuracy").evaluate(loaded.transform(test)));
  }

  @Test
  void theEstimatorSavesAndLoadsItsParams() throws Exception {
    String path = tmp.resolve("estimator").toString();
    new BnnClassifier().setConfig(CONFIG).setEpochs(2).write().overwrite().save(path);
    BnnClassifier back = BnnClassifier.load(path);
    assertEquals(CONFIG, back.getOrDefault(back.config()));
    assertEquals(2, (Integer) back.getOrDefault(back.epochs()));
  }

  @Test
  void missingConfigurationIsAClearError() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new BnnClassifier().fit(train));
    assertTrue(e.getMessage().contains("set the configuration first"), e.getMessage());
  }
}
