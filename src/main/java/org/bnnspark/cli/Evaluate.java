package org.bnnspark.cli;

import java.io.IOException;
import java.util.Collections;
import java.util.Locale;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.bnnspark.inference.ClassificationMetrics;
import org.bnnspark.nn.SoftmaxCrossEntropy;
import org.bnnspark.report.ConfusionMatrixImage;
import org.bnnspark.spark.BatchScoring;
import org.bnnspark.spark.DataFormatException;
import org.bnnspark.spark.ModelFiles;
import org.bnnspark.spark.OutputDir;
import org.bnnspark.spark.RowParsers;
import org.bnnspark.spark.ScoringInput;
import org.bnnspark.spark.ScoringModel;

/** {@code jobs/evaluate.sh}: accuracy, per-class precision/recall/F1 and the confusion matrix on labelled rows. */
public final class Evaluate {
  static final Args.Option[] OPTIONS = {
      ScoringJobs.MODEL, ScoringJobs.INPUT, ScoringJobs.FORMAT,
      new Args.Option("--label-col", "C", "label column: 0-based index for csv (default 0), name for parquet (default label)"),
      ScoringJobs.FEATURES, ScoringJobs.CSV_HEADER, ScoringJobs.ENGINE,
      new Args.Option("--json", "FILE", "where to write the metrics as JSON (default: evaluation.json next to the model)"),
      new Args.Option("--confusion-image", "FILE", "where to draw the confusion matrix as PNG (default: confusion_matrix.png next to the JSON)"),
      ScoringJobs.MASTER, ScoringJobs.HELP,
  };

  private Evaluate() {}

  public static void main(String[] argv) {
    JobMain.run(argv, OPTIONS, Evaluate::run,
        "jobs/evaluate.sh --model MODEL --input PATH [options]",
          "Evaluates a trained BNN on labelled rows: per-class precision/recall/F1, the confusion matrix, and\n"
              + "the accuracy as the last line: accuracy=0.9876. The metrics are also written as JSON, the confusion\n"
              + "matrix as a PNG image.");
  }

  static void run(Args a) throws IOException {
    String modelPath = a.required("--model");
    String inputPath = a.required("--input");
    SparkSession spark = JobMain.sparkSession(a, "bnn-spark evaluate", "local[*]");
    try {
      Configuration hconf = spark.sparkContext().hadoopConfiguration();
      JobMain.requireAbsoluteOutput("--json", a.get("--json", null));
      JobMain.requireAbsoluteOutput("--confusion-image", a.get("--confusion-image", null));
      Broadcast<ScoringModel> model = ScoringJobs.model(a, spark);
      ScoringInput.Input in = ScoringJobs.input(a, spark, model.value(), "0", true, false);
      int k = model.value().classes();
      int labelIndex = in.rows().schema().fieldIndex(in.labelColumn());
      String labelName = in.labelColumn();
      StructType pairs = new StructType().add("label", DataTypes.IntegerType, false).add("prediction", DataTypes.IntegerType, false);
      BatchScoring.OutputRow maker = (row, logits, off, classes) -> {
        if (row.isNullAt(labelIndex)) {
          throw new DataFormatException(inputPath + ": a row has no label (column '" + labelName + "')");
        }
        int label = RowParsers.checkLabel(((Number) row.get(labelIndex)).doubleValue(),
            inputPath + ": column '" + labelName + "'", classes);
        return RowFactory.create(label, SoftmaxCrossEntropy.argmax(logits, off, classes));
      };
      long[] flat = BatchScoring.transform(in.rows(), model, in.featuresColumn(), pairs, maker, inputPath).javaRDD()
          .mapPartitions(rows -> {
            long[] counts = new long[k * k];
            while (rows.hasNext()) {
              Row r = rows.next();
              counts[r.getInt(0) * k + r.getInt(1)]++;
            }
            return Collections.singletonList(counts).iterator();
          }).fold(new long[k * k], (x, y) -> {
            long[] s = x.clone();
            for (int i = 0; i < s.length; i++) {
              s[i] += y[i];
            }
            return s;
          });
      ClassificationMetrics m = ClassificationMetrics.ofFlat(flat, k);
      if (m.rows() == 0) {
        throw new DataFormatException(inputPath + ": no rows");
      }
      Path json = a.has("--json") ? new Path(a.get("--json", null))
          : new Path(ModelFiles.directoryOf(modelPath, hconf), "evaluation.json");
      String extra = String.format(Locale.ROOT, "\"model\": \"%s\", \"input\": \"%s\", \"engine\": \"%s\"", escape(modelPath),
          escape(inputPath), model.value().engine());
      new OutputDir(json.getParent().toString(), hconf).writeText(json.getName(), m.toJson(extra));
      Path image = a.has("--confusion-image") ? new Path(a.get("--confusion-image", null))
          : new Path(json.getParent(), "confusion_matrix.png");
      String title = "Confusion matrix: " + model.value().engine() + " model on " + new Path(inputPath).getName();
      boolean drawn = JobMain.sideOutput(image.toString(), () -> {
        byte[] png = ConfusionMatrixImage.png(m, title);
        new OutputDir(image.getParent().toString(), hconf).write(image.getName(), o -> o.write(png));
      });
      System.out.printf(Locale.ROOT, "%s model on %d rows of %s%n", model.value().engine(), m.rows(), inputPath);
      System.out.print(m.table());
      System.out.println("metrics written to " + json + (drawn ? ", confusion matrix drawn in " + image : ""));
      System.out.printf(Locale.ROOT, "accuracy=%.4f%n", m.accuracy());
    } finally {
      spark.stop();
    }
  }

  private static String escape(String s) {
    return s.replace("\\", "\\\\").replace("\"", "\\\"");
  }
}
