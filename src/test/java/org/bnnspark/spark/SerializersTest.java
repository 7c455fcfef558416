package org.bnnspark.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.bnnspark.spark.ml.BnnClassificationModel;
import org.bnnspark.spark.ml.BnnClassifier;
import org.bnnspark.train.ModelConfig;
import org.bnnspark.train.RowBlock;
import org.bnnspark.train.TrainingState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Training (one step per job, and local steps with compressed exchange), validation through the
 * packed model, and the ML API's fit and transform, on local[2] under the three serializer settings
 * a Spark application meets: Spark's default Java serialization, Kryo without our registrator, and
 * Kryo with our registrator and registration required (conf/spark-defaults.conf). The results must
 * be the same bits under all three.
 */
class SerializersTest {
  @TempDir
  Path tmp;

  private static SparkConf base(String name) {
    return new SparkConf().setMaster("local[2]").setAppName("bnn-spark serializers: " + name)
        .set("spark.driver.host", "127.0.0.1").set("spark.driver.bindAddress", "127.0.0.1").set("spark.ui.enabled", "false");
  }

  /** What one setting produced: the trained weights of both strategies, validation counts, ML predictions. */
  private record Outcome(float[] everyStep, float[] local, long packedCorrect, long agreeing, List<Double> predictions) {}

  private Outcome run(SparkConf conf, Path data) throws Exception {
    JavaSparkContext jsc = new JavaSparkContext(conf);
    try {
      String[] files = TrainingData.idxPair(data.toString(), "train", jsc.hadoopConfiguration());
      String[] testFiles = TrainingData.idxPair(data.toString(), "t10k", jsc.hadoopConfiguration());
      ModelConfig cfg = ModelConfig.parse(TestData.CONFIG, "test");
      JavaRDD<RowBlock> rdd = TrainingData.idx(jsc, files[0], files[1], cfg.network(), 2);
      JavaRDD<RowBlock> test = TrainingData.idx(jsc, testFiles[0], testFiles[1], cfg.network(), 2);
      TrainingState every = new TrainingState(cfg);
      DistributedTrainer trainer = new DistributedTrainer(jsc, rdd, test, 0);
      trainer.train(every, m -> { }, s -> { }, null);
      PackedValidation.Stats v = trainer.validate(every, true);

      ModelConfig localCfg = DistributedTrainerTest.withSync(
          "{\"strategy\": \"local\", \"local_steps\": 3, \"compression\": \"sign_ef\"}");
      TrainingState local = new TrainingState(localCfg);
      new DistributedTrainer(jsc, rdd, null, 0).withPartitionStateDirectory(tmp.resolve("sync-" + System.nanoTime()).toUri().toString())
          .train(local, m -> { }, s -> { }, null);

      // the ML API: fit on a DataFrame of (label, features), transform, collect the predictions
      SparkSession spark = SparkSession.builder().sparkContext(jsc.sc()).getOrCreate();
      List<Row> rows = new ArrayList<>();
      for (List<RowBlock> part : rdd.glom().collect()) {
        for (RowBlock b : part) {
          for (int r = 0; r < b.rows; r++) {
            double[] x = new double[b.features];
            for (int j = 0; j < x.length; j++) {
              // back to raw pixels: the configuration maps [0, 255] onto its levels again
              x[j] = org.bnnspark.nn.NetworkSpec.level(b.x[r * b.features + j]);
            }
            rows.add(RowFactory.create(b.labels[r], Vectors.dense(x)));
          }
        }
      }
      StructType schema = new StructType().add("label", DataTypes.IntegerType)
          .add("features", new org.apache.spark.ml.linalg.VectorUDT());
      Dataset<Row> df = spark.createDataFrame(rows, schema);
      BnnClassificationModel model = new BnnClassifier().setConfig(TestData.CONFIG).setEpochs(1).setNumPartitions(2).fit(df);
      List<Double> predictions = new ArrayList<>();
      for (Row r : model.transform(df).select("prediction").collectAsList()) {
        predictions.add(r.getDouble(0));
      }
      rdd.unpersist();
      test.unpersist();
      return new Outcome(every.params, local.params, v.packedCorrect, v.agreeing, predictions);
    } finally {
      jsc.stop();
    }
  }

  @Test
  void trainingValidationAndTheMlApiGiveTheSameBitsUnderEverySerializer() throws Exception {
    Path data = TestData.write(tmp.resolve("idx"), 400, 120, false);
    Map<String, SparkConf> settings = new LinkedHashMap<>();
    settings.put("Java serialization (Spark's default)", base("java"));
    settings.put("Kryo without our registrator", base("kryo").set("spark.serializer", "org.apache.spark.serializer.KryoSerializer"));
    SparkConf ours = base("ours");
    for (String line : java.nio.file.Files.readAllLines(Path.of("conf/spark-defaults.conf"))) {
      line = line.strip();
      if (!line.isEmpty() && !line.startsWith("#")) {
        String[] kv = line.split("\\s+", 2);
        ours.set(kv[0], kv[1]);
      }
    }
    assertEquals("true", ours.get("spark.kryo.registrationRequired"));
    settings.put("Kryo, our registrator, registration required", ours);

    Outcome first = null;
    for (Map.Entry<String, SparkConf> e : settings.entrySet()) {
      Outcome o = run(e.getValue(), data);
      assertEquals(120, o.agreeing(), e.getKey() + ": packed == graph on every held-out row");
      assertEquals(400, o.predictions().size(), e.getKey());
      if (first == null) {
        first = o;
        assertTrue(o.packedCorrect() > 60, "the model learns something: " + o.packedCorrect() + " of 120");
        continue;
      }
      assertArrayEquals(first.everyStep(), o.everyStep(), e.getKey() + ": every_step weights");
      assertArrayEquals(first.local(), o.local(), e.getKey() + ": local + sign_ef weights");
      assertEquals(first.packedCorrect(), o.packedCorrect(), e.getKey());
      assertEquals(first.predictions(), o.predictions(), e.getKey() + ": ML predictions");
    }
  }
}
