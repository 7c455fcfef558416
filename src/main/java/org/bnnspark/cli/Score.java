package org.bnnspark.cli;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.bnnspark.nn.SoftmaxCrossEntropy;
import org.bnnspark.spark.BatchScoring;
import org.bnnspark.spark.DatasetCommit;
import org.bnnspark.spark.ScoringInput;
import org.bnnspark.spark.ScoringModel;

/** {@code jobs/score.sh}: batch scoring through the broadcast packed model. */
public final class Score {
  static final Args.Option[] OPTIONS = {
      ScoringJobs.MODEL, ScoringJobs.INPUT, ScoringJobs.FORMAT,
      new Args.Option("--output", "PATH", "output directory (written atomically; must not exist unless --overwrite)"),
      new Args.Option("--output-format", "FMT", "parquet (default) or csv"),
      new Args.Option("--probabilities", null, "add probability_0 … probability_K-1 (softmax)"),
      new Args.Option("--raw-scores", null, "add raw_0 … raw_K-1 (logits)"),
      new Args.Option("--label-col", "C", "csv: 0-based index of a label column (default: none); parquet: passed through anyway"),
      ScoringJobs.FEATURES, ScoringJobs.CSV_HEADER, ScoringJobs.ENGINE,
      new Args.Option("--overwrite", null, "replace an existing --output (and --quarantine)"),
      new Args.Option("--bad-rows", "MODE", "fail (default): a bad row stops the job with one line naming it; quarantine: "
          + "bad rows are counted and written to --quarantine with the reason, the rest is scored"),
      new Args.Option("--quarantine", "PATH", "where quarantined rows go (default: OUTPUT-quarantine)"),
      ScoringJobs.MASTER, ScoringJobs.HELP,
  };

  private Score() {}

  /** Copies the pass-through columns into {@code v}; returns the next free index. */
  private static int passThrough(Row row, int[] columns, Object[] v) {
    int i = 0;
    for (int c : columns) {
      v[i++] = row.get(c);
    }
    return i;
  }

  public static void main(String[] argv) {
    JobMain.run(argv, OPTIONS, Score::run,
        "jobs/score.sh --model MODEL --input PATH --output PATH [options]",
          "Scores rows with a trained BNN through its broadcast packed XNOR model and writes the predictions with\n"
              + "the input's other columns (idx: index, label; csv/libsvm: input_file, input_offset, label).");
  }

  static void run(Args a) throws IOException {
    a.required("--model");
    a.required("--input");
    String output = a.required("--output");
    String outputFormat = a.choice("--output-format", "parquet", List.of("parquet", "csv"));
    boolean overwrite = a.has("--overwrite");
    boolean quarantine = a.choice("--bad-rows", "fail", List.of("fail", "quarantine")).equals("quarantine");
    String quarantinePath = a.get("--quarantine", output.replaceAll("/+$", "") + "-quarantine");
    SparkSession spark = JobMain.sparkSession(a, "bnn-spark score", "local[*]");
    try {
      org.apache.hadoop.conf.Configuration hconf = spark.sparkContext().hadoopConfiguration();
      JobMain.requireAbsoluteOutput("--output", output);
      JobMain.requireAbsoluteOutput("--quarantine", quarantine ? quarantinePath : null);
      DatasetCommit.prepare(output, overwrite, hconf);
      if (quarantine) {
        DatasetCommit.prepare(quarantinePath, overwrite, hconf);
      }
      Broadcast<ScoringModel> model = ScoringJobs.model(a, spark);
      ScoringInput.Input in = ScoringJobs.input(a, spark, model.value(), null, false, quarantine);
      int k = model.value().classes();
      boolean probabilities = a.has("--probabilities");
      boolean raw = a.has("--raw-scores");
      StructType schema = new StructType();
      List<Integer> keep = new ArrayList<>();
      StructField[] fields = in.rows().schema().fields();
      for (int c = 0; c < fields.length; c++) {
        String name = fields[c].name();
        if (!name.equals(in.featuresColumn()) && !name.equals(in.errorColumn())) {
          schema = schema.add(fields[c]);
          keep.add(c);
        }
      }
      // with quarantine, bad rows travel with the good ones until the write: their scores are null
      schema = schema.add("prediction", DataTypes.IntegerType, quarantine);
      for (int j = 0; probabilities && j < k; j++) {
        schema = schema.add("probability_" + j, DataTypes.DoubleType, quarantine);
      }
      for (int j = 0; raw && j < k; j++) {
        schema = schema.add("raw_" + j, DataTypes.DoubleType, quarantine);
      }
      if (quarantine) {
        schema = schema.add(ScoringInput.ERROR, DataTypes.StringType, true);
      }
      int[] columns = keep.stream().mapToInt(Integer::intValue).toArray();
      int width = columns.length + 1 + (probabilities ? k : 0) + (raw ? k : 0) + (quarantine ? 1 : 0);
      BatchScoring.OutputRow maker = (row, logits, off, classes) -> {
        Object[] v = new Object[width];
        int i = passThrough(row, columns, v);
        v[i++] = SoftmaxCrossEntropy.argmax(logits, off, classes);
        if (probabilities) {
          float[] p = java.util.Arrays.copyOfRange(logits, off, off + classes);
          SoftmaxCrossEntropy.softmax(p, 0, classes);
          for (int j = 0; j < classes; j++) {
            v[i++] = (double) p[j];
          }
        }
        for (int j = 0; raw && j < classes; j++) {
          v[i++] = (double) logits[off + j];
        }
        return RowFactory.create(v);
      };
      BatchScoring.BadRow bad = (row, error) -> {
        Object[] v = new Object[width];
        passThrough(row, columns, v);
        v[width - 1] = error;
        return RowFactory.create(v);
      };
      Dataset<Row> scored = BatchScoring.transform(in.rows(), model, in.featuresColumn(), in.errorColumn(), schema, maker,
          quarantine ? bad : null, a.required("--input"));
      long start = System.nanoTime();
      if (quarantine) {
        // one scoring pass feeds both outputs
        scored = scored.persist(org.apache.spark.storage.StorageLevel.MEMORY_AND_DISK());
        Column isBad = functions.col(ScoringInput.ERROR).isNotNull();
        DatasetCommit.save(scored.where(functions.not(isBad)).drop(ScoringInput.ERROR).write().format(outputFormat)
            .option("header", "true"), output, overwrite, hconf);
        Column[] badColumns = java.util.Arrays.stream(columns).mapToObj(c -> functions.col(fields[c].name()))
            .toArray(Column[]::new);
        Column[] withError = java.util.Arrays.copyOf(badColumns, badColumns.length + 1);
        withError[badColumns.length] = functions.col(ScoringInput.ERROR).as("error");
        DatasetCommit.save(scored.where(isBad).select(withError).write().format(outputFormat).option("header", "true"),
            quarantinePath, overwrite, hconf);
        scored.unpersist();
      } else {
        DatasetCommit.save(scored.write().format(outputFormat).option("header", "true"), output, overwrite, hconf);
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      long rows = spark.read().format(outputFormat).option("header", "true").load(output).count();
      System.out.printf(Locale.ROOT, "scored %d rows with the %s model in %.1f s (%.0f rows/s); predictions in %s%n", rows,
          model.value().engine(), seconds, rows / seconds, output);
      if (quarantine) {
        long badRows = spark.read().format(outputFormat).option("header", "true").load(quarantinePath).count();
        System.out.printf(Locale.ROOT, "quarantined %d bad rows (with the reason) in %s%n", badRows, quarantinePath);
      }
    } finally {
      spark.stop();
    }
  }
}
