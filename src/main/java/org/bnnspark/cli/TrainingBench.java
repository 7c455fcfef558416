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
import org.bnnspark.train.SyncSpec;
import org.bnnspark.train.TrainingState;

/**
 * {@code jobs/bench.sh training}: on one SparkContext and the same cached MNIST rows, trains our BNN
 * (the quick-start configuration) under each synchronization strategy asked for, the same network
 * in the single-process engine on one thread without Spark, and Spark MLlib's
 * {@code MultilayerPerceptronClassifier} at the same hidden sizes (float, sigmoid, L-BFGS); prints
 * throughput, Spark's share of the step time, the bytes through the driver and test accuracy side by
 * side, and for each strategy a line
 * {@code strategy=local H=16 examples_per_s=… spark_share=… driver_bytes_per_epoch=… test_accuracy=… vs_single_thread=…}.
 *
 * <p>{@code driver_bytes_per_epoch} adds the task results the driver received (Spark's result sizes)
 * and the downlinks it broadcast, counted once per partition (on a cluster an upper bound: the
 * torrent broadcast lets executors share blocks). {@code spark_share} is the share of the training
 * wall time outside the partitions' computation.
 */
public final class TrainingBench {
  static final Args.Option[] OPTIONS = {
      new Args.Option("--data", "DIR", "MNIST IDX directory"),
      new Args.Option("--config", "FILE", "our configuration (default conf/mnist-quickstart.json)"),
      new Args.Option("--epochs", "N", "override our epochs"),
      new Args.Option("--mllib-iterations", "N", "L-BFGS iterations for MLlib (default 100; 0 skips MLlib)"),
      new Args.Option("--skip-mllib", null, "leave MLlib out"),
      new Args.Option("--strategies", "LIST", "comma-separated: every_step, local:H with optional :reset or :averaged (inner state; default partition), "
          + ":nesterov, :sign_ef (default every_step,local:16,local:32,local:64,local:32:reset,local:32:averaged,local:32:sign_ef)"),
      new Args.Option("--sync-dir", "DIR", "where local strategies keep per-partition state (default: a temporary directory, "
          + "which serves a cluster only when all its workers share this machine's file system)"),
      new Args.Option("--bandwidth", "MB/s", "network bandwidth the scale model assumes per link (default 1250: 10 GbE)"),
      new Args.Option("--single-thread-epochs", "N", "epochs of the single-process engine on one thread (default 1; 0 skips it)"),
      new Args.Option("--help", null, "this help"),
  };

  private TrainingBench() {}

  public static void main(String[] argv) {
    JobMain.run(argv, OPTIONS, TrainingBench::run,
        "jobs/bench.sh training --data DIR [options]", "Ours vs Spark MLlib MLP, same data, same Spark.");
  }

  static void run(Args a) throws Exception {
    String data = a.required("--data");
    SparkSession spark = JobMain.sparkSession(a, "bnn-spark training bench", "local[2]");
    try {
      JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
      String configFile = a.get("--config", "conf/mnist-quickstart.json");
      org.bnnspark.spark.ConfigFiles.Found found = org.bnnspark.spark.ConfigFiles.read(configFile, jsc.hadoopConfiguration());
      ModelConfig cfg = ModelConfig.parse(found.text(), found.source());
      cfg = cfg.withTraining(cfg.training().withEpochs(a.positiveInt("--epochs", cfg.training().epochs())));
      int partitions = jsc.defaultParallelism();
      String[] tr = TrainingData.idxPair(data, "train", jsc.hadoopConfiguration());
      String[] te = TrainingData.idxPair(data, "t10k", jsc.hadoopConfiguration());
      JavaRDD<RowBlock> train = TrainingData.idx(jsc, tr[0], tr[1], cfg.network(), partitions);
      JavaRDD<RowBlock> test = TrainingData.idx(jsc, te[0], te[1], cfg.network(), partitions);
      System.out.printf(Locale.ROOT, "master %s, java %d, %d partitions%n", jsc.master(), Runtime.version().feature(), partitions);

      System.out.printf(Locale.ROOT, "cpu %s (%s); float kernel %s, binary kernel %s%n", org.bnnspark.bits.Cpu.model(),
          org.bnnspark.bits.Cpu.vectorFlags(), org.bnnspark.nn.FloatGemm.best().name(), org.bnnspark.bits.BinaryGemm.best().name());
      double single = Double.NaN;
      int singleEpochs = a.has("--single-thread-epochs") ? Integer.parseInt(a.get("--single-thread-epochs", "1")) : 1;
      if (singleEpochs > 0) {
        single = singleThread(cfg, train, singleEpochs);
        System.out.printf(Locale.ROOT, "single-process engine, one thread, no Spark (every_step, batch %d): %.0f examples/s%n",
            cfg.training().batchSize(), single);
      }
      double jobMs = emptyJobMillis(jsc, partitions);
      System.out.printf(Locale.ROOT, "spark per-job overhead: %.1f ms (a job of %d empty tasks, mean of 50)%n", jobMs, partitions);
      List<String> summaries = new ArrayList<>();
      List<SyncSpec> models = new ArrayList<>();
      String list = a.get("--strategies", "every_step,local:16,local:32,local:64,local:32:reset,local:32:averaged,local:32:sign_ef");
      double ourSeconds = 0;
      double ourAcc = Double.NaN;
      double ourRate = 0;
      for (String token : list.split(",")) {
        SyncSpec sync = strategy(token.trim());
        ModelConfig run = cfg.withTraining(cfg.training().withSync(sync));
        DistributedTrainer trainer = new DistributedTrainer(jsc, train, test, 0).withPartitionStateDirectory(
            a.get("--sync-dir", java.nio.file.Files.createTempDirectory("bnn-bench-sync").toUri().toString()) + "/" + summaries.size());
        TrainingState state = new TrainingState(run);
        List<EpochMetrics> metrics = new ArrayList<>();
        trainer.train(state, m -> {
          metrics.add(m);
          System.out.println("  " + sync.describe() + ": " + m.toLine());
        }, s -> { }, null);
        Thread.sleep(1000); // the listener bus delivers the last task ends asynchronously
        double seconds = metrics.stream().mapToDouble(EpochMetrics::seconds).sum();
        double examples = metrics.stream().mapToDouble(m -> m.examplesPerSecond() * m.seconds()).sum();
        double compute = metrics.stream().mapToDouble(m -> (1 - m.overheadShare()) * m.seconds()).sum();
        double rate = examples / seconds;
        double acc = trainer.validate(state, false).packedAccuracy();
        long bytes = (trainer.resultBytes() + trainer.downlinkBytes()) / Math.max(1, metrics.size());
        String line = String.format(Locale.ROOT,
            "strategy=%s H=%d examples_per_s=%.0f spark_share=%.3f driver_bytes_per_epoch=%d test_accuracy=%.4f vs_single_thread=%.2f",
            sync.strategy() + (sync.compressed() ? "+sign_ef" : "") + (sync.strategy().equals("local") ? "+" + sync.innerState() : "")
                + (sync.outer().equals("nesterov") ? "+nesterov" : ""),
            sync.localSteps(), rate, 1 - compute / seconds, bytes, acc, rate / single);
        System.out.println(line);
        summaries.add(line);
        models.add(sync);
        if (Double.isNaN(ourAcc)) {
          ourSeconds = seconds;
          ourAcc = acc;
          ourRate = rate;
        }
      }
      double ourWall = ourSeconds;

      int iterations = a.has("--skip-mllib") ? 0 : a.has("--mllib-iterations") ? Integer.parseInt(a.get("--mllib-iterations", "100")) : 100;
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
      System.out.printf(Locale.ROOT, "java %d, cpu %s, master %s%n", Runtime.version().feature(), org.bnnspark.bits.Cpu.model(), jsc.master());
      if (!Double.isNaN(single)) {
        org.bnnspark.nn.Network net = new org.bnnspark.nn.Network(cfg.network());
        // measured here: t from the single-thread engine, j0 from the empty jobs; assumed: 0.25 ms per
        // task launched, the given network bandwidth, 1 GB/s to the store's disk, 1 ns per parameter
        // for the driver's update and 0.5 ns per parameter and message to decode signs
        ScaleModel model = new ScaleModel(1 / single, Math.max(1, cfg.training().batchSize() / partitions), net.paramCount(),
            net.stateCount(), net.tensorBounds().length - 1, jobMs / 1e3, 2.5e-4,
            Double.parseDouble(a.get("--bandwidth", "1250")) * 1e6, 1e9, 1e-9, 5e-10);
        System.out.println("scale model (docs/results.md), measured t=" + String.format(Locale.ROOT, "%.3g", 1 / single)
            + " s/example, j0=" + String.format(Locale.ROOT, "%.1f", jobMs) + " ms:");
        for (SyncSpec sync : models) {
          System.out.print(model.table(sync, partitions, 8, 64, 512));
        }
      }
      summaries.forEach(System.out::println);
    } finally {
      spark.stop();
    }
  }

  /**
   * Milliseconds of a Spark job whose tasks do nothing, submitted through the Java API (closure
   * cleaning included): the scale model's fixed cost per job. Measured here it matches the fixed
   * cost of an every_step round (a round's wall time minus its computation and transfers).
   */
  static double emptyJobMillis(JavaSparkContext jsc, int partitions) {
    JavaRDD<Integer> empty = jsc.parallelize(java.util.Collections.nCopies(partitions, 0), partitions);
    for (int i = 0; i < 20; i++) {
      empty.foreachPartition(it -> { });
    }
    long t0 = System.nanoTime();
    for (int i = 0; i < 50; i++) {
      empty.foreachPartition(it -> { });
    }
    return (System.nanoTime() - t0) / 1e6 / 50;
  }

  /** {@code every_step}, {@code local:16}, {@code local:16:averaged:nesterov}, {@code local:16:sign_ef}. */
  static SyncSpec strategy(String token) {
    String[] parts = token.split(":");
    if (parts[0].equals("every_step") && parts.length == 1) {
      return SyncSpec.EVERY_STEP;
    }
    if (!parts[0].equals("local") || parts.length < 2) {
      throw new UsageException("--strategies: expected every_step or local:H[:reset|:averaged|:partition][:nesterov][:sign_ef], got '" + token + "'");
    }
    int h;
    try {
      h = Integer.parseInt(parts[1]);
    } catch (NumberFormatException e) {
      throw new UsageException("--strategies: H must be a number in '" + token + "'");
    }
    String inner = "partition";
    String outer = "average";
    String compression = "none";
    for (int i = 2; i < parts.length; i++) {
      switch (parts[i]) {
        case "reset", "averaged", "partition" -> inner = parts[i];
        case "nesterov" -> outer = "nesterov";
        case "sign_ef" -> compression = "sign_ef";
        default -> throw new UsageException("--strategies: unknown modifier '" + parts[i] + "' in '" + token + "'");
      }
    }
    try {
      return new SyncSpec("local", h, outer, 0.7, 0.9, inner, compression);
    } catch (org.bnnspark.nn.ConfigException e) {
      throw new UsageException("--strategies: " + e.getMessage());
    }
  }

  /** Examples/s of the single-process engine on this thread: every_step, one partition, the whole training set. */
  static double singleThread(ModelConfig cfg, JavaRDD<RowBlock> train, int epochs) {
    List<RowBlock> blocks = new ArrayList<>();
    for (List<RowBlock> p : train.glom().collect()) {
      blocks.addAll(p);
    }
    // one block: a partition's blocks are equal but for its last, which the batch gathering relies on
    int features = blocks.get(0).features;
    int n = (int) RowBlock.rows(blocks);
    float[] x = new float[n * features];
    int[] y = new int[n];
    int at = 0;
    for (RowBlock b : blocks) {
      System.arraycopy(b.x, 0, x, at * features, b.rows * features);
      System.arraycopy(b.labels, 0, y, at, b.rows);
      at += b.rows;
    }
    List<RowBlock> rows = List.of(new RowBlock(n, features, x, y));
    ModelConfig one = cfg.withTraining(cfg.training().withEpochs(epochs).withSync(SyncSpec.EVERY_STEP));
    TrainingState s = new TrainingState(one);
    List<EpochMetrics> metrics = new ArrayList<>();
    org.bnnspark.train.LocalTrainer.train(s, List.of(rows), List.of(), metrics::add);
    double seconds = metrics.stream().mapToDouble(EpochMetrics::seconds).sum();
    double examples = metrics.stream().mapToDouble(m -> m.examplesPerSecond() * m.seconds()).sum();
    return examples / seconds;
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
