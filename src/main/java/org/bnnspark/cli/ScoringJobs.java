package org.bnnspark.cli;

import java.io.IOException;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.bnnspark.spark.ModelFiles;
import org.bnnspark.spark.ScoringInput;
import org.bnnspark.spark.ScoringModel;

/** What {@code jobs/score.sh} and {@code jobs/evaluate.sh} share: input options, model loading, the session. */
final class ScoringJobs {
  private ScoringJobs() {}

  static final List<String> FORMATS = List.of("idx", "csv", "libsvm", "parquet");

  static final Args.Option MODEL = new Args.Option("--model", "PATH",
      "a training output directory, its model.xnor (packed) or its model.bnn (trained network)");
  static final Args.Option INPUT = new Args.Option("--input", "PATH",
      "rows to score (for idx: a directory with t10k-images-idx3-ubyte[.gz] and optionally t10k-labels)");
  static final Args.Option FORMAT = new Args.Option("--format", "FMT", "idx (default), csv, libsvm or parquet");
  static final Args.Option FEATURES = new Args.Option("--features-col", "NAME",
      "parquet features column, ML Vector or array<float|double> (default features)");
  static final Args.Option CSV_HEADER = new Args.Option("--csv-header", null, "csv files start with a header line");
  static final Args.Option ENGINE = new Args.Option("--engine", "E",
      "packed (default): the packed XNOR model; float: the trained network in float (needs model.bnn)");
  static final Args.Option MASTER = new Args.Option("--master", "URL", "Spark master (default local[*])");
  static final Args.Option HELP = new Args.Option("--help", null, "this help");

  /** Loads {@code --model} for {@code --engine} and broadcasts it. */
  static Broadcast<ScoringModel> model(Args a, SparkSession spark) throws IOException {
    String engine = a.choice("--engine", "packed", ModelFiles.ENGINES);
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    ScoringModel m = ModelFiles.load(a.required("--model"), engine, jsc.hadoopConfiguration());
    return jsc.broadcast(m);
  }

  /**
   * Reads {@code --input}. The label column: for csv a 0-based index ({@code labelDefault} when not
   * given; null means unlabelled lines), for parquet a name (default {@code label}).
   */
  static ScoringInput.Input input(Args a, SparkSession spark, ScoringModel m, String csvLabelDefault, boolean requireLabel,
      boolean keepBadRows) {
    String format = a.choice("--format", "idx", FORMATS);
    Integer csvLabel = null;
    String labelName = "label";
    if (format.equals("csv")) {
      String v = a.get("--label-col", csvLabelDefault);
      if (v != null) {
        try {
          csvLabel = Integer.parseInt(v);
        } catch (NumberFormatException e) {
          throw new UsageException("option --label-col: for csv, a 0-based column index, got '" + v + "'");
        }
      }
    } else {
      labelName = a.get("--label-col", "label");
    }
    ScoringInput.Options o = new ScoringInput.Options(a.get("--features-col", "features"), labelName, csvLabel,
        a.has("--csv-header"), requireLabel, keepBadRows);
    return ScoringInput.read(spark, format, a.required("--input"), m.inputSpec(), o);
  }
}
