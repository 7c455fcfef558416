package org.bnnspark.spark.ml;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
    Dataset<Row> all = data(spark, tmp);
    train = all.limit(700);
    test = all.except(train);
  }

  /** 900 rows of 3 classes: noisy ±1 prototypes over 16 columns f0…f15, and a label. */
  static Dataset<Row> data(SparkSession spark, Path dir) throws java.io.IOException {
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
    Path csv = dir.resolve("d.csv");
    Files.writeString(csv, sb.toString());
    return spark.read().schema(DDL).csv(csv.toString());
  }

  static final String DDL = "label INT" + java.util.stream.IntStream.range(0, 16).mapToObj(i -> ", f" + i + " DOUBLE")
      .collect(java.util.stream.Collectors.joining());

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

  @Test
  void aCrossValidatorSearchesTheLearningRateAndTheWidthAndRefitsTheBest() throws Exception {
    String[] inputs = java.util.stream.IntStream.range(0, 16).mapToObj(i -> "f" + i).toArray(String[]::new);
    BnnClassifier bnn = new BnnClassifier().setConfig(CONFIG).setEpochs(2).setNumPartitions(2);
    Pipeline pipeline = new Pipeline().setStages(new PipelineStage[] {
        new VectorAssembler().setInputCols(inputs).setOutputCol("features"), bnn});
    org.apache.spark.ml.param.ParamMap[] grid = new org.apache.spark.ml.tuning.ParamGridBuilder()
        .addGrid(bnn.learningRate(), new double[] {0.02, 0.0001})
        .addGrid(bnn.hiddenUnits(), new int[] {4, 24})
        .build();
    assertEquals(4, grid.length);
    org.apache.spark.ml.tuning.CrossValidator cv = new org.apache.spark.ml.tuning.CrossValidator().setEstimator(pipeline)
        .setEstimatorParamMaps(grid).setEvaluator(new MulticlassClassificationEvaluator().setMetricName("accuracy"))
        .setNumFolds(2).setSeed(3);
    org.apache.spark.ml.tuning.CrossValidatorModel cvModel = cv.fit(train);
    double[] metrics = cvModel.avgMetrics();
    assertEquals(4, metrics.length);
    int best = 0;
    for (int i = 1; i < metrics.length; i++) {
      best = metrics[i] > metrics[best] ? i : best;
    }
    // each grid point really trained another model
    assertEquals(4, java.util.Arrays.stream(metrics).distinct().count(), java.util.Arrays.toString(metrics));
    BnnClassificationModel refit = (BnnClassificationModel) ((PipelineModel) cvModel.bestModel()).stages()[1];
    int bestUnits = (Integer) grid[best].apply(bnn.hiddenUnits());
    assertEquals(bestUnits, refit.summary().config().network().layers().get(0).units(), "the refit has the best width");
    assertEquals((Double) grid[best].apply(bnn.learningRate()), refit.summary().config().training().schedule().lr());
    assertEquals(16L * bestUnits + (long) bestUnits * 3, refit.summary().totals().binaryWeights());

    String saved = tmp.resolve("cv-model").toString();
    cvModel.write().overwrite().save(saved);
    org.apache.spark.ml.tuning.CrossValidatorModel loaded = org.apache.spark.ml.tuning.CrossValidatorModel.load(saved);
    assertEquals(cvModel.transform(test).select("prediction").collectAsList(), loaded.transform(test).select("prediction").collectAsList());
    assertArrayEquals(metrics, loaded.avgMetrics());
  }

  @Test
  void theParamsPeopleTuneAreListedValidatedAndTheModelHasASummary() throws Exception {
    BnnClassifier bnn = new BnnClassifier();
    String explained = bnn.explainParams();
    for (String p : new String[] {"learningRate", "hiddenUnits", "epochs", "batchSize", "seed", "sync", "localSteps", "configName",
        "mnist-quickstart"}) {
      assertTrue(explained.contains(p), p + " in " + explained);
    }
    assertThrows(IllegalArgumentException.class, () -> bnn.setLearningRate(-0.1));
    assertThrows(IllegalArgumentException.class, () -> bnn.setHiddenUnits(0));
    assertThrows(IllegalArgumentException.class, () -> bnn.setSync("sometimes"));

    // a configuration file by name, three epochs, a summary of the fit
    Path file = tmp.resolve("by-name.json");
    Files.writeString(file, CONFIG);
    String[] inputs = java.util.stream.IntStream.range(0, 16).mapToObj(i -> "f" + i).toArray(String[]::new);
    Dataset<Row> features = new VectorAssembler().setInputCols(inputs).setOutputCol("features").transform(train);
    BnnClassificationModel model = bnn.setConfigName(file.toString()).setEpochs(3).setNumPartitions(2).fit(features);
    assertTrue(model.hasSummary());
    BnnTrainingSummary summary = model.summary();
    assertEquals(3, summary.totalEpochs());
    assertEquals(3, summary.objectiveHistory().length);
    assertTrue(summary.objectiveHistory()[2] < summary.objectiveHistory()[0], java.util.Arrays.toString(summary.objectiveHistory()));
    assertTrue(summary.packedBytes() * 3 < summary.float32Bytes(), summary.toString());
    assertTrue(summary.toString().contains("epoch 3"), summary.toString());
    String saved = tmp.resolve("with-summary").toString();
    model.write().overwrite().save(saved);
    BnnClassificationModel loaded = BnnClassificationModel.load(saved);
    assertFalse(loaded.hasSummary());
    assertThrows(java.util.NoSuchElementException.class, loaded::summary);
  }
}
