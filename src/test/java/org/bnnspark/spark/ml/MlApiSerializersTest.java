package org.bnnspark.spark.ml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.ml.tuning.CrossValidator;
import org.apache.spark.ml.tuning.CrossValidatorModel;
import org.apache.spark.ml.tuning.ParamGridBuilder;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Spark ML API in anybody's SparkSession: a Pipeline with BnnClassifier fitted, transformed,
 * saved and loaded; a CrossValidator over a grid, its model saved and loaded; a Structured
 * Streaming transform into a Parquet sink — under Spark's default Java serialization, Kryo without a registrator, and
 * Kryo with our registrator and registration required. Every setting must predict the same.
 */
class MlApiSerializersTest {
  @TempDir
  Path tmp;

  private static SparkConf base(String name) {
    return new SparkConf().setMaster("local[2]").setAppName("bnn-spark ML API: " + name)
        .set("spark.driver.host", "127.0.0.1").set("spark.driver.bindAddress", "127.0.0.1").set("spark.ui.enabled", "false")
        .set("spark.sql.shuffle.partitions", "2");
  }

  /** What one setting predicted: pipeline, pipeline after load, CV model after load, streaming. */
  private record Outcome(double accuracy, List<Row> pipeline, List<Row> loadedPipeline, List<Row> loadedCv, double[] cvMetrics, List<Row> streamed) {}

  private Outcome run(SparkConf conf, String name) throws Exception {
    SparkSession.clearActiveSession();
    SparkSession.clearDefaultSession();
    SparkSession spark = SparkSession.builder().config(conf).getOrCreate();
    try {
      Path dir = tmp.resolve(name);
      java.nio.file.Files.createDirectories(dir);
      Dataset<Row> all = BnnClassifierTest.data(spark, dir).cache();
      Dataset<Row> train = all.where("label >= 0").limit(700);
      Dataset<Row> test = all.except(train).orderBy("f0", "f1");
      String[] inputs = java.util.stream.IntStream.range(0, 16).mapToObj(i -> "f" + i).toArray(String[]::new);
      BnnClassifier bnn = new BnnClassifier().setConfig(BnnClassifierTest.CONFIG).setEpochs(2).setNumPartitions(2);
      Pipeline pipeline = new Pipeline().setStages(new PipelineStage[] {
          new VectorAssembler().setInputCols(inputs).setOutputCol("features"), bnn});

      PipelineModel model = pipeline.fit(train);
      List<Row> predicted = model.transform(test).select("prediction").collectAsList();
      String saved = dir.resolve("pipeline").toString();
      model.write().overwrite().save(saved);
      List<Row> loaded = PipelineModel.load(saved).transform(test).select("prediction").collectAsList();

      CrossValidator cv = new CrossValidator().setEstimator(pipeline)
          .setEstimatorParamMaps(new ParamGridBuilder().addGrid(bnn.learningRate(), new double[] {0.02, 0.005}).build())
          .setEvaluator(new MulticlassClassificationEvaluator().setMetricName("accuracy")).setNumFolds(2).setSeed(5);
      CrossValidatorModel cvModel = cv.fit(train);
      String cvSaved = dir.resolve("cv").toString();
      cvModel.write().overwrite().save(cvSaved);
      List<Row> loadedCv = CrossValidatorModel.load(cvSaved).transform(test).select("prediction").collectAsList();

      // Structured Streaming: the test rows arrive as files; the model scores each micro-batch
      Path incoming = dir.resolve("incoming");
      test.write().parquet(incoming.toString());
      Dataset<Row> stream = spark.readStream().schema(test.schema()).parquet(incoming.toString());
      // a file sink, as a scoring stream writes: Parquet with a checkpoint
      Path scoredDir = dir.resolve("scored-stream");
      StreamingQuery q = model.transform(stream).select("f0", "f1", "prediction").writeStream().format("parquet")
          .option("checkpointLocation", dir.resolve("checkpoint").toString()).outputMode("append").start(scoredDir.toString());
      q.processAllAvailable();
      q.stop();
      List<Row> streamed = spark.read().parquet(scoredDir.toString()).orderBy("f0", "f1").select("prediction").collectAsList();
      all.unpersist();
      double accuracy = new MulticlassClassificationEvaluator().setMetricName("accuracy").evaluate(model.transform(test));
      return new Outcome(accuracy, predicted, loaded, loadedCv, cvModel.avgMetrics(), streamed);
    } finally {
      spark.stop();
      SparkSession.clearActiveSession();
      SparkSession.clearDefaultSession();
    }
  }

  @Test
  void pipelinesCrossValidationAndStreamingWorkUnderEverySerializer() throws Exception {
    Map<String, SparkConf> settings = new LinkedHashMap<>();
    settings.put("java", base("Java serialization (Spark's default)"));
    settings.put("kryo", base("Kryo without a registrator").set("spark.serializer", "org.apache.spark.serializer.KryoSerializer"));
    settings.put("ours", base("Kryo, our registrator, registration required")
        .set("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
        .set("spark.kryo.registrator", "org.bnnspark.spark.BnnKryoRegistrator").set("spark.kryo.registrationRequired", "true"));
    Outcome first = null;
    List<String> names = new ArrayList<>(settings.keySet());
    for (String name : names) {
      Outcome o = run(settings.get(name), name);
      assertEquals(o.pipeline().size(), o.loadedPipeline().size());
      assertEquals(o.pipeline(), o.loadedPipeline(), name + ": a loaded pipeline predicts the same");
      assertEquals(o.pipeline(), o.streamed(), name + ": streaming predicts what batch scoring does");
      assertEquals(2, o.cvMetrics().length, name);
      if (first == null) {
        first = o;
        assertTrue(o.accuracy() > 0.85, "3 classes, chance 1/3: accuracy " + o.accuracy());
        continue;
      }
      assertEquals(first.pipeline(), o.pipeline(), name + ": same predictions as under Java serialization");
      assertEquals(first.loadedCv(), o.loadedCv(), name + ": same cross-validated model");
      org.junit.jupiter.api.Assertions.assertArrayEquals(first.cvMetrics(), o.cvMetrics(), name);
    }
  }
}
