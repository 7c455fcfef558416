package org.bnnspark.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.classification.MultilayerPerceptronClassificationModel;
import org.apache.spark.ml.classification.MultilayerPerceptronClassifier;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.bnnspark.spark.DistributedTrainer;
import org.bnnspark.spark.OutputDir;
import org.bnnspark.spark.TrainingData;
import org.bnnspark.train.EpochMetrics;
import org.bnnspark.train.ModelConfig;
import org.bnnspark.train.RowBlock;
import org.bnnspark.train.TrainingState;

/**
 * {@code jobs/bench.sh training}: on one SparkContext and the same cached MNIST rows, trains our BNN
 * (the quick-start configuration) and Spark MLlib's {@code MultilayerPerceptronClassifier} at the same
 * hidden sizes (float, sigmoid, L-BFGS), and prints training time and test accuracy side by side.
 */
public final class TrainingBench {
  static final Args.Option[] OPTIONS = {
      new Args.Option("--data", "DIR", "MNIST IDX directory"),
      new Args.Option("--config", "FILE", "our configuration (default conf/mnist-quickstart.json)"),
      new Args.Option("--epochs", "N", "override our epochs"),
      new Args.Option("--mllib-iterations", "N", "L-BFGS iterations for MLlib (default 100; 0 skips MLlib)"),
      new Args.Option("--help", null, "this help"),
  };

  private TrainingBench() {}

  public static void main(String[] argv) {
    JobMain.run(() -> run(argv));
  }

  static void run(String[] argv) throws Exception {
    Args a = Args.parse(argv, OPTIONS);
    if (a.has("--help")) {
      System.out.print(Args.help("jobs/bench.sh training --data DIR [options]", "Ours vs Spark MLlib MLP, same data, same Spark.", OPTIONS));
      return;
    }
    String data = a.required("--data");
    SparkSession spark = JobMain.sparkSession(a, "bnn-spark training bench", "local[2]");
    try {
      JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
      String configFile = a.get("--config", "conf/mnist-quickstart.json");
      ModelConfig cfg = ModelConfig.parse(OutputDir.readTextFile(configFile, jsc.hadoopConfiguration()), configFile);
      cfg = cfg.withTraining(cfg.training().withEpochs(a.positiveInt("--epochs", cfg.training().epochs())));
      int partitions = jsc.defaultParallelism();
      String[] tr = TrainingData.idxPair(data, "train", jsc.hadoopConfiguration());
      String[] te = TrainingData.idxPair(data, "t10k", jsc.hadoopConfiguration());
      JavaRDD<RowBlock> train = TrainingData.idx(jsc, tr[0], tr[1], cfg.network(), partitions);
      JavaRDD<RowBlock> test = TrainingData.idx(jsc, te[0], te[1], cfg.network(), partitions);
      System.out.printf(Locale.ROOT, "master %s, java %d, %d partitions%n", jsc.master(), Runtime.version().feature(), partitions);

      DistributedTrainer trainer = new DistributedTrainer(jsc, train, test, 0);
      TrainingState state = new TrainingState(cfg);
      List<EpochMetrics> metrics = new ArrayList<>();
      long t0 = System.nanoTime();
      trainer.train(state, m -> {
        metrics.add(m);
        System.out.println("  ours " + m.toLine());
      }, s -> { }, null);
      double ourSeconds = metrics.stream().mapToDouble(EpochMetrics::seconds).sum();
      double ourWall = (System.nanoTime() - t0) / 1e9;
      double ourAcc = trainer.validate(state, false).packedAccuracy();
      double ourRate = metrics.stream().mapToDouble(EpochMetrics::examplesPerSecond).average().orElse(0);

      int iterations = a.has("--mllib-iterations") ? Integer.parseInt(a.get("--mllib-iterations", "100")) : 100;
      double mlSeconds = Double.NaN;
      double mlAcc = Double.NaN;
      int hidden = 0;
      List<Integer> layers = new ArrayList<>(List.of(cfg.network().inputSize()));
      for (var l : cfg.network().layers()) {
        if (l.type().endsWith("dense")) {
          layers.add(l.units());
        }
      }
      if (iterations > 0) {
        Dataset<Row> trainDf = frame(spark, train).persist(StorageLevel.MEMORY_AND_DISK());
        Dataset<Row> testDf = frame(spark, test);
        trainDf.count();
        MultilayerPerceptronClassifier mlp = new MultilayerPerceptronClassifier()
            .setLayers(layers.stream().mapToInt(Integer::intValue).toArray()).setMaxIter(iterations).setBlockSize(128).setSeed(1L);
        long m0 = System.nanoTime();
        MultilayerPerceptronClassificationModel model = mlp.fit(trainDf);
        mlSeconds = (System.nanoTime() - m0) / 1e9;
        mlAcc = new MulticlassClassificationEvaluator().setMetricName("accuracy").evaluate(model.transform(testDf));
      }
      System.out.println();
      System.out.printf(Locale.ROOT, "| trainer | layers | training s | test accuracy |%n|---|---|---|---|%n");
      System.out.printf(Locale.ROOT, "| bnn-spark (%s, %d epochs, %.0f ex/s) | %s | %.1f | %.4f |%n", cfg.name(), cfg.training().epochs(),
          ourRate, layers, ourSeconds, ourAcc);
      if (iterations > 0) {
        System.out.printf(Locale.ROOT, "| Spark MLlib MultilayerPerceptronClassifier (L-BFGS, %d iterations) | %s | %.1f | %.4f |%n",
            iterations, layers, mlSeconds, mlAcc);
      }
      System.out.printf(Locale.ROOT, "ours_seconds=%.1f ours_wall=%.1f ours_accuracy=%.4f mllib_seconds=%.1f mllib_accuracy=%.4f%n",
          ourSeconds, ourWall, ourAcc, mlSeconds, mlAcc);
    } finally {
      spark.stop();
    }
  }

  /** The cached rows as a (label, features) DataFrame for MLlib. */
  private static Dataset<Row> frame(SparkSession spark, JavaRDD<RowBlock> blocks) {
    JavaRDD<Row> rows = blocks.flatMap(b -> {
      List<Row> out = new ArrayList<>(b.rows);
      for (int r = 0; r < b.rows; r++) {
        double[] x = new double[b.features];
        for (int j = 0; j < b.features; j++) {
          x[j] = b.x[r * b.features + j];
        }
        out.add(RowFactory.create((double) b.labels[r], Vectors.dense(x)));
      }
      return out.iterator();
    });
    StructType schema = new StructType().add("label", DataTypes.DoubleType).add("features", new VectorUDT());
    return spark.createDataFrame(rows, schema);
  }
}
