package org.bnnspark.spark;

import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.linalg.DenseVector;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.bnnspark.nn.NetworkSpec;

/**
 * Rows to score, from any supported format, as a DataFrame: the raw features as an ML Vector
 * column, plus the columns that pass through to the output.
 * <ul>
 *   <li>{@code idx}: a directory's {@code t10k-*} files → {@code index} (record number), {@code label}
 *       (when the labels file is there), {@code features};</li>
 *   <li>{@code csv}, {@code libsvm}: {@code input_file}, {@code input_offset} (the line's byte offset:
 *       together a stable row identity), {@code label} (when the lines have one), {@code features};</li>
 *   <li>{@code parquet}: the file's own columns; the features column as named.</li>
 * </ul>
 */
public final class ScoringInput {
  public static final String FEATURES = "features";
  public static final String LABEL = "label";
  /** With {@code keepBadRows}: the reason a row cannot be scored, null for a good row. */
  public static final String ERROR = "_error";

  private ScoringInput() {}

  /**
   * How to read: the features and label column (names for Parquet; for CSV the label's 0-based
   * index, or null for unlabelled lines), the CSV header flag, whether a label is required, and
   * whether unparsable lines become rows with an {@link #ERROR} (instead of failing the job).
   */
  public record Options(String featuresColumn, String labelColumn, Integer csvLabelIndex, boolean csvHeader,
      boolean requireLabel, boolean keepBadRows) {}

  /**
   * The rows, and the names of their features and label columns (label null when absent); with
   * {@code keepBadRows} the rows also carry {@link #ERROR} ({@code errorColumn}, else null).
   */
  public record Input(Dataset<Row> rows, String featuresColumn, String labelColumn, String errorColumn) {}

  public static Input read(SparkSession spark, String format, String path, NetworkSpec spec, Options o) {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Input in = switch (format) {
      case "parquet" -> parquet(spark, path, o);
      case "idx" -> idx(spark, jsc, path, spec, o);
      case "csv", "libsvm" -> text(spark, jsc, format, path, spec, o);
      default -> throw new IllegalArgumentException("format " + format);
    };
    if (o.keepBadRows() && in.errorColumn() == null) { // bad rows of these formats show up when their features are read
      return new Input(in.rows().withColumn(ERROR, functions.lit(null).cast(DataTypes.StringType)), in.featuresColumn(),
          in.labelColumn(), ERROR);
    }
    return in;
  }

  private static Input parquet(SparkSession spark, String path, Options o) {
    Dataset<Row> df = spark.read().parquet(path);
    List<String> columns = java.util.Arrays.asList(df.columns());
    if (!columns.contains(o.featuresColumn())) {
      throw new DataFormatException(path + ": no features column '" + o.featuresColumn() + "' (columns: "
          + String.join(", ", columns) + ")");
    }
    boolean hasLabel = columns.contains(o.labelColumn());
    if (o.requireLabel() && !hasLabel) {
      throw new DataFormatException(path + ": no label column '" + o.labelColumn() + "' (columns: " + String.join(", ", columns) + ")");
    }
    return new Input(df, o.featuresColumn(), hasLabel ? o.labelColumn() : null, null);
  }

  private static Input text(SparkSession spark, JavaSparkContext jsc, String format, String path, NetworkSpec spec, Options o) {
    boolean csv = format.equals("csv");
    boolean labelled = !csv || o.csvLabelIndex() != null;
    if (o.requireLabel() && !labelled) {
      throw new IllegalArgumentException("csv input needs a label column here (--label-col)");
    }
    int labelIndex = csv && labelled ? o.csvLabelIndex() : -1;
    int f = spec.inputSize();
    int classes = spec.classes();
    boolean keep = o.keepBadRows();
    JavaRDD<Row> rows = TabularData.lines(jsc, path, csv && o.csvHeader(), (file, offset, line, where) -> {
      RowParsers.Parsed p;
      try {
        p = csv ? RowParsers.csv(line, where, labelIndex, f, classes) : RowParsers.libsvm(line, where, f, classes);
      } catch (DataFormatException e) {
        if (!keep) {
          throw e;
        }
        return labelled ? RowFactory.create(file, offset, null, null, e.getMessage()) : RowFactory.create(file, offset, null, e.getMessage());
      }
      if (keep) {
        return labelled ? RowFactory.create(file, offset, p.label(), p.vector(), null) : RowFactory.create(file, offset, p.vector(), null);
      }
      return labelled ? RowFactory.create(file, offset, p.label(), p.vector()) : RowFactory.create(file, offset, p.vector());
    });
    StructType schema = new StructType().add("input_file", DataTypes.StringType, false)
        .add("input_offset", DataTypes.LongType, false);
    if (labelled) {
      schema = schema.add(LABEL, DataTypes.IntegerType, keep);
    }
    schema = schema.add(FEATURES, new VectorUDT(), keep);
    if (keep) {
      schema = schema.add(ERROR, DataTypes.StringType, true);
    }
    return new Input(spark.createDataFrame(rows, schema), FEATURES, labelled ? LABEL : null, keep ? ERROR : null);
  }

  private static Input idx(SparkSession spark, JavaSparkContext jsc, String dir, NetworkSpec spec, Options o) {
    Configuration hconf = jsc.hadoopConfiguration();
    String[] pair = TrainingData.idxPair(dir, "t10k", hconf);
    String images = pair != null ? pair[0] : TrainingData.idxFile(dir, "t10k-images-idx3-ubyte", hconf);
    if (images == null) {
      throw new DataFormatException(dir + ": no t10k-images-idx3-ubyte[.gz] found");
    }
    if (pair == null && o.requireLabel()) {
      throw new DataFormatException(dir + ": no t10k-labels-idx1-ubyte[.gz] next to the images");
    }
    IdxFile[] files = TrainingData.openPair(images, pair == null ? null : pair[1], spec, hconf);
    IdxFile imageFile = files[0];
    IdxFile labelFile = files[1];
    int n = imageFile.count();
    int parts = Math.max(1, Math.min(jsc.defaultParallelism(), (n + TrainingData.BLOCK_ROWS - 1) / TrainingData.BLOCK_ROWS));
    List<Integer> ids = new ArrayList<>();
    for (int k = 0; k < parts; k++) {
      ids.add(k);
    }
    org.apache.spark.broadcast.Broadcast<HadoopConf> conf = jsc.broadcast(new HadoopConf(hconf));
    int classes = spec.classes();
    JavaRDD<Row> rows = jsc.parallelize(ids, parts).flatMap(k -> {
      int from = (int) ((long) k * n / parts);
      int to = (int) ((long) (k + 1) * n / parts);
      int f = imageFile.recordBytes();
      byte[] pix = new byte[(to - from) * f];
      imageFile.read(from, to, pix, conf.value().get());
      byte[] lab = labelFile == null ? null : new byte[to - from];
      if (lab != null) {
        labelFile.read(from, to, lab, conf.value().get());
      }
      List<Row> out = new ArrayList<>(to - from);
      for (int r = 0; r < to - from; r++) {
        double[] v = new double[f];
        for (int i = 0; i < f; i++) {
          v[i] = pix[r * f + i] & 0xFF;
        }
        if (lab == null) {
          out.add(RowFactory.create((long) (from + r), new DenseVector(v)));
        } else {
          int label = RowParsers.checkLabel(lab[r] & 0xFF, labelFile.path() + ": record " + (from + r), classes);
          out.add(RowFactory.create((long) (from + r), label, new DenseVector(v)));
        }
      }
      return out.iterator();
    });
    StructType schema = new StructType().add("index", DataTypes.LongType, false);
    if (labelFile != null) {
      schema = schema.add(LABEL, DataTypes.IntegerType, false);
    }
    schema = schema.add(FEATURES, new VectorUDT(), false);
    return new Input(spark.createDataFrame(rows, schema), FEATURES, labelFile == null ? null : LABEL, null);
  }
}
