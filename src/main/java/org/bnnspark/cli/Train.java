package org.bnnspark.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.bnnspark.spark.ConfigFiles;
import org.bnnspark.spark.DataFormatException;
import org.bnnspark.spark.DistributedTrainer;
import org.bnnspark.spark.ModelFiles;
import org.bnnspark.spark.OutputDir;
import org.bnnspark.spark.PackedValidation;
import org.bnnspark.inference.ModelSummary;
import org.bnnspark.inference.PackedModel;
import org.bnnspark.inference.PackedModelFile;
import org.bnnspark.report.TrainingReport;
import org.bnnspark.spark.TabularData;
import org.bnnspark.spark.TrainingData;
import org.bnnspark.train.EpochMetrics;
import org.bnnspark.train.ModelConfig;
import org.bnnspark.train.NetworkFile;
import org.bnnspark.train.RowBlock;
import org.bnnspark.train.TrainingSpec;
import org.bnnspark.train.TrainingState;

/** {@code jobs/train.sh}: trains a BNN data-parallel on Spark. */
public final class Train {
  static final Args.Option[] OPTIONS = {
      new Args.Option("--data", "PATH", "training data (for idx: a directory with MNIST-named files)"),
      new Args.Option("--format", "FMT", "idx (default), csv, libsvm or parquet"),
      new Args.Option("--test", "PATH", "test data in the same format; for idx defaults to the t10k-* files in --data"),
      new Args.Option("--label-col", "C", "label column: 0-based index for csv (default 0), name for parquet (default label)"),
      new Args.Option("--features-col", "NAME", "parquet features column, ML Vector or array<float|double> (default features)"),
      new Args.Option("--csv-header", null, "csv files start with a header line"),
      new Args.Option("--config", "FILE", "model/training configuration: a file, a Hadoop URI or a built-in name such as mnist-full "
          + "(default: conf/mnist-quickstart.json, built into the jar too)"),
      new Args.Option("--epochs", "N", "override the configuration's epochs"),
      new Args.Option("--batch-size", "N", "override the configuration's global batch size"),
      new Args.Option("--partitions", "N", "training partitions (default: Spark's default parallelism)"),
      new Args.Option("--seed", "N", "override the configuration's seed"),
      new Args.Option("--sync", "STRATEGY", "how partitions synchronize: every_step (one Spark job per step) or local "
          + "(--local-steps inner steps per job, then averaged); overrides the configuration's training.sync"),
      new Args.Option("--local-steps", "H", "inner steps per Spark job under --sync local"),
      new Args.Option("--compression", "C", "none or sign_ef (signs + one scale per tensor with error feedback) under --sync local"),
      new Args.Option("--tree-depth", "N", "treeAggregate depth (default: 1 up to 8 partitions, else 2)"),
      new Args.Option("--keep-checkpoints", "N", "newest checkpoints kept (default 2)"),
      new Args.Option("--master", "URL", "Spark master (default local[*]; jobs/train.sh passes it to spark-submit)"),
      new Args.Option("--output", "DIR", "output directory: model.xnor (packed), model.bnn (trained network), config.json, metrics.jsonl, "
          + "report.html, checkpoints/ (default: out/CONFIG-NAME, or out/CONFIG-NAME-2, -3… when taken)"),
      new Args.Option("--resume", null, "continue from the newest checkpoint in --output"),
      new Args.Option("--init-from", "MODEL", "start from a trained model (a training output directory or its model.bnn) instead of "
          + "random weights: a second training stage, e.g. Bitwise Neural Networks' bitwise stage after its real-valued one"),
      new Args.Option("--stop-after", "N", "stop after epoch N (the schedule still spans --epochs); finish with --resume"),
      new Args.Option("--quiet", null, "no per-step progress line"),
      new Args.Option("--help", null, "this help"),
  };

  private Train() {}

  public static void main(String[] argv) {
    JobMain.run(argv, OPTIONS, Train::run,
        "jobs/train.sh --data PATH [--output DIR] [options]",
          "Trains a binary neural network (binary weights and activations, STE) data-parallel on Spark\n"
              + "and prints the test accuracy of the final model as the last line: test_accuracy=0.9876");
  }

  static void run(Args a) throws IOException {
    String data = a.required("--data");
    if (a.has("--resume") && a.has("--init-from")) {
      throw new UsageException("--init-from starts a new run; --resume continues one: pass only one of them");
    }
    if (a.has("--resume") && !a.has("--output")) {
      throw new UsageException("--resume needs the --output directory of the run to continue");
    }
    String outputOption = a.get("--output", null);
    String format = a.choice("--format", "idx", List.of("idx", "csv", "libsvm", "parquet"));
    String configFile = a.get("--config", "conf/mnist-quickstart.json");

    SparkSession spark = JobMain.sparkSession(a, "bnn-spark train", "local[*]");
    try {
      JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
      Configuration hconf = jsc.hadoopConfiguration();
      if (outputOption == null && JobMain.clusterDriver()) {
        throw new UsageException("--output is required in cluster deploy mode (an absolute path on shared storage or a Hadoop URI)");
      }
      JobMain.requireAbsoluteOutput("--output", outputOption);
      ConfigFiles.Found found = ConfigFiles.read(configFile, hconf);
      ModelConfig config = ModelConfig.parse(found.text(), found.source());
      TrainingSpec t = config.training();
      t = t.withEpochs(a.positiveInt("--epochs", t.epochs())).withBatchSize(a.positiveInt("--batch-size", t.batchSize()))
          .withSeed(a.longValue("--seed", t.seed()));
      if (a.has("--sync") || a.has("--local-steps") || a.has("--compression")) {
        String strategy = a.has("--sync") ? a.choice("--sync", "every_step", org.bnnspark.train.SyncSpec.STRATEGIES) : null;
        String compression = a.has("--compression") ? a.choice("--compression", "none", org.bnnspark.train.SyncSpec.COMPRESSION) : null;
        Integer h = a.has("--local-steps") ? a.positiveInt("--local-steps", 1) : null;
        try {
          t = t.withSync(t.sync().with(strategy, h, compression));
        } catch (org.bnnspark.nn.ConfigException e) {
          throw new UsageException(e.getMessage());
        }
      }
      config = config.withTraining(t);
      int partitions = a.positiveInt("--partitions", jsc.defaultParallelism());

      JavaRDD<RowBlock> train;
      JavaRDD<RowBlock> test;
      if (format.equals("idx")) {
        String[] trainFiles = TrainingData.idxPair(data, "train", hconf);
        if (trainFiles == null) {
          throw new DataFormatException(data + ": no train-images-idx3-ubyte[.gz] and train-labels-idx1-ubyte[.gz] found");
        }
        String[] testFiles = a.has("--test") ? TrainingData.idxPair(a.get("--test", null), "t10k", hconf)
            : TrainingData.idxPair(data, "t10k", hconf);
        if (a.has("--test") && testFiles == null) {
          throw new DataFormatException(a.get("--test", null) + ": no t10k-images-idx3-ubyte[.gz] and t10k-labels-idx1-ubyte[.gz] found");
        }
        train = TrainingData.idx(jsc, trainFiles[0], trainFiles[1], config.network(), partitions);
        test = testFiles == null ? null : TrainingData.idx(jsc, testFiles[0], testFiles[1], config.network(), Math.min(partitions, 4));
      } else {
        TabularData.Options options = tabularOptions(a, format);
        train = tabular(spark, jsc, format, data, config, partitions, options);
        test = a.has("--test") ? tabular(spark, jsc, format, a.get("--test", null), config, Math.min(partitions, 4), options) : null;
      }

      String output = outputOption != null ? outputOption : freshDirectory("out/" + config.name(), hconf);
      OutputDir out = new OutputDir(output, hconf);
      TrainingState state = new TrainingState(config);
      List<EpochMetrics> epochs = new ArrayList<>();
      if (a.has("--resume")) {
        List<String> ckpts = out.checkpoints();
        if (ckpts.isEmpty()) {
          throw new UsageException("--resume: no checkpoint in " + out.path(OutputDir.CHECKPOINTS));
        }
        String newest = ckpts.get(ckpts.size() - 1);
        try (InputStream in = out.open(newest)) {
          state = NetworkFile.readCheckpoint(in, out.path(newest).toString(), config);
        }
        if (out.exists(OutputDir.METRICS)) {
          String source = out.path(OutputDir.METRICS).toString();
          out.readText(OutputDir.METRICS).lines().limit(state.epoch).forEach(l -> epochs.add(EpochMetrics.parse(l, source)));
        }
        System.out.println("resuming from " + out.path(newest) + " (epoch " + state.epoch + " done)");
        int stale = out.removeStaleTemporaries();
        if (stale > 0) {
          System.out.println("removed " + stale + " temporary file(s) of the interrupted run");
        }
      } else if (out.exists(OutputDir.MODEL) || !out.checkpoints().isEmpty()) {
        throw new UsageException(output + " already holds a training run; pass --resume to continue it or choose another --output");
      } else if (a.has("--init-from")) {
        String from = a.get("--init-from", null);
        try {
          state.initializeFrom(ModelFiles.trainedNetwork(from, hconf));
        } catch (IllegalArgumentException e) {
          throw new DataFormatException(from + ": cannot start " + config.name() + " from it: " + e.getMessage());
        }
        System.out.println("starting from " + from);
      }
      out.writeText(OutputDir.CONFIG, config.text());

      DistributedTrainer trainer = new DistributedTrainer(jsc, train, test, a.positiveInt("--tree-depth", 0))
          .withPartitionStateDirectory(out.path(OutputDir.SYNC).toString());
      if (trainer.rows() == 0) {
        throw new DataFormatException(data + ": no training rows");
      }
      int steps = trainer.stepsPerEpoch(t);
      String kernels = "float kernel " + org.bnnspark.nn.FloatGemm.best().name() + ", binary kernel "
          + org.bnnspark.bits.BinaryGemm.best().name();
      System.out.printf(Locale.ROOT, "bnn-spark: %s on %s, %d rows in %d partitions, %d steps/epoch, %d epochs, batch %d, sync %s; java %s, %s%n",
          config.name(), jsc.master(), trainer.rows(), partitions, steps, t.epochs(), t.batchSize(), t.sync().describe(),
          Runtime.version().feature(), kernels);
      System.out.println("configuration " + found.source());
      System.out.print(state.network.summary());
      System.out.println("writing to " + out.root());
      Map<String, String> facts = new LinkedHashMap<>();
      facts.put("configuration", config.name() + " (" + found.source() + ")");
      facts.put("data", data + " (" + format + "), " + trainer.rows() + " training rows"
          + (trainer.validationRows() > 0 ? ", " + trainer.validationRows() + " test rows" : ", no test set"));
      facts.put("Spark", jsc.master() + ", " + partitions + " partitions, " + steps + " steps/epoch of batch " + t.batchSize()
          + ", sync " + t.sync().describe());
      facts.put("epochs", Integer.toString(t.epochs()));
      facts.put("output", out.root().toString());
      facts.put("JVM", "Java " + Runtime.version() + ", " + kernels);
      ModelConfig runConfig = config;
      Runnable report = () -> JobMain.sideOutput(out.path(OutputDir.REPORT).toString(),
          () -> writeReport(out, runConfig, facts, epochs, null));
      int keep = a.positiveInt("--keep-checkpoints", 2);
      Progress progress = a.has("--quiet") ? null : new Progress();
      OutputDir outDir = out;
      trainer.train(state, m -> {
        if (progress != null) {
          progress.finishLine();
        }
        System.out.println(m.toLine());
        epochs.add(m);
        StringBuilder jsonl = new StringBuilder();
        epochs.forEach(e -> jsonl.append(e.toJson()).append('\n'));
        write(() -> outDir.writeText(OutputDir.METRICS, jsonl.toString()));
        report.run();
      }, s -> write(() -> {
        outDir.write(OutputDir.checkpointName(s.epoch), o -> NetworkFile.writeCheckpoint(o, s));
        List<String> all = outDir.checkpoints();
        for (int i = 0; i < all.size() - keep; i++) {
          outDir.delete(all.get(i));
        }
      }), progress, a.positiveInt("--stop-after", Integer.MAX_VALUE), keep);
      if (state.epoch < t.epochs()) {
        System.out.println("stopped after epoch " + state.epoch + " of " + t.epochs() + "; continue with --resume");
        return;
      }

      TrainingState done = state;
      PackedModel packed = DistributedTrainer.packedModel(done);
      out.write(OutputDir.MODEL, o -> NetworkFile.writeModel(o, done.config, done.params, done.state));
      out.write(OutputDir.PACKED_MODEL, o -> PackedModelFile.write(o, packed));
      System.out.println("trained network written to " + out.path(OutputDir.MODEL));
      System.out.print(ModelSummary.describe(packed));
      System.out.println("packed model written to " + out.path(OutputDir.PACKED_MODEL));
      double seconds = epochs.stream().mapToDouble(EpochMetrics::seconds).sum();
      facts.put("training time", String.format(Locale.ROOT, "%.1f s over %d epochs (validation and checkpoints excluded)",
          seconds, epochs.size()));
      ModelSummary.Totals totals = ModelSummary.totals(packed);
      facts.put("model size", String.format(Locale.ROOT, "%,d bytes packed vs %,d float32 (%.1f× smaller)",
          totals.packedBytes(), totals.float32Bytes(), totals.compression()));
      String testLine = null;
      if (test != null) {
        PackedValidation.Stats v = trainer.validate(packed, state, true);
        System.out.printf(Locale.ROOT, "packed vs training graph on %d test rows: same prediction on %d (%.2f%%), "
                + "max |logit difference| %.3g; graph accuracy %.4f%n", v.rows, v.agreeing, 100.0 * v.agreeing / v.rows,
            v.maxLogitDiff, v.graphAccuracy());
        facts.put("test accuracy", String.format(Locale.ROOT, "%.4f (packed XNOR model; training graph %.4f, same prediction on %d of %d rows)",
            v.packedAccuracy(), v.graphAccuracy(), v.agreeing, v.rows));
        testLine = String.format(Locale.ROOT, "test_accuracy=%.4f", v.packedAccuracy());
      }
      String summary = ModelSummary.describe(packed);
      if (JobMain.sideOutput(out.path(OutputDir.REPORT).toString(), () -> writeReport(out, runConfig, facts, epochs, summary))) {
        System.out.println("report written to " + out.path(OutputDir.REPORT));
      }
      if (testLine != null) {
        System.out.println(testLine);
      }
    } finally {
      spark.stop();
    }
  }

  /** report.html: after every epoch without the model summary, at the end with it. */
  private static void writeReport(OutputDir out, ModelConfig config, Map<String, String> facts, List<EpochMetrics> epochs,
      String modelSummary) throws IOException {
    out.writeText(OutputDir.REPORT,
        TrainingReport.html("bnn-spark training: " + config.name(), facts, epochs, modelSummary, config.text()));
  }

  /** {@code base}, or the first of {@code base-2}, {@code base-3}… that does not exist yet. */
  static String freshDirectory(String base, Configuration conf) throws IOException {
    org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(base);
    org.apache.hadoop.fs.FileSystem fs = p.getFileSystem(conf);
    for (int k = 2; fs.exists(p); k++) {
      p = new org.apache.hadoop.fs.Path(base + "-" + k);
    }
    return p.toString();
  }

  static TabularData.Options tabularOptions(Args a, String format) {
    if (format.equals("csv")) {
      int column;
      try {
        column = Integer.parseInt(a.get("--label-col", "0"));
      } catch (NumberFormatException e) {
        throw new UsageException("option --label-col: for csv, a 0-based column index, got '" + a.get("--label-col", null) + "'");
      }
      return new TabularData.Options(column, a.has("--csv-header"), "label", "features");
    }
    return new TabularData.Options(0, false, a.get("--label-col", "label"), a.get("--features-col", "features"));
  }

  static JavaRDD<RowBlock> tabular(SparkSession spark, JavaSparkContext jsc, String format, String path, ModelConfig config,
      int partitions, TabularData.Options options) {
    return format.equals("parquet") ? TabularData.parquet(spark, path, config.network(), partitions, options)
        : TabularData.text(jsc, path, format, config.network(), partitions, options);
  }

  private interface IoAction {
    void run() throws IOException;
  }

  private static void write(IoAction action) {
    try {
      action.run();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** One progress line per epoch, rewritten in place on a terminal. */
  static final class Progress implements DistributedTrainer.StepListener {
    private final boolean terminal = System.console() != null;
    private long lastPrint;
    private boolean open;

    @Override
    public void onStep(int epoch, int step, int steps, long examples, double seconds, double loss) {
      long now = System.nanoTime();
      if (step != steps && now - lastPrint < (terminal ? 200_000_000L : 15_000_000_000L)) {
        return;
      }
      lastPrint = now;
      double rate = examples / Math.max(seconds, 1e-9);
      double eta = seconds / step * (steps - step);
      String line = String.format(Locale.ROOT, "epoch %d · step %d/%d · %.0f ex/s · loss %.4f · ETA %.0fs",
          epoch, step, steps, rate, loss, eta);
      if (terminal) {
        System.out.print("\r" + line + "   ");
        open = true;
      } else if (step != steps) {
        System.out.println(line);
      }
    }

    void finishLine() {
      if (open) {
        System.out.println();
        open = false;
      }
    }
  }
}
