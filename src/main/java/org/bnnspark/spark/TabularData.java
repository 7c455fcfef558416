package org.bnnspark.spark;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.hadoop.io.LongWritable;
import org.apache.hadoop.io.Text;
import org.apache.hadoop.mapreduce.InputSplit;
import org.apache.hadoop.mapreduce.lib.input.FileSplit;
import org.apache.hadoop.mapreduce.lib.input.TextInputFormat;
import org.apache.spark.HashPartitioner;
import org.apache.spark.api.java.JavaNewHadoopRDD;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.storage.StorageLevel;
import org.bnnspark.nn.NetworkSpec;
import org.bnnspark.train.RowBlock;
import scala.Tuple2;

/**
 * CSV, LibSVM and Parquet inputs, read through Spark (so through the Hadoop FileSystem API), into
 * cached {@link RowBlock} partitions.
 *
 * <p>Every row gets a key that orders it within its input ({@code hash(file) << 40 | byte offset} for
 * text, Spark's monotonically increasing id for Parquet); rows are hash-partitioned by that key and
 * sorted within each partition. Partition contents and order then depend only on the input and the
 * partition count, never on the order shuffle blocks arrive in — which the deterministic batch plan
 * needs.
 */
public final class TabularData {
  private TabularData() {}

  /** Reading options: the label column (0-based index for CSV, name for Parquet), features column, CSV header. */
  public record Options(int csvLabelColumn, boolean csvHeader, String labelColumn, String featuresColumn) implements java.io.Serializable {
    public static Options defaults() {
      return new Options(0, false, "label", "features");
    }
  }

  public static JavaRDD<RowBlock> text(JavaSparkContext jsc, String path, String format, NetworkSpec spec, int partitions,
      Options options) {
    boolean csv = format.equals("csv");
    JavaRDD<Tuple2<Long, LabeledRow>> rows = lines(jsc, path, csv && options.csvHeader(), (file, offset, line, where) -> {
      long fileKey = ((long) file.hashCode() & 0xFFFFFFL) << 40;
      return new Tuple2<>(fileKey | offset, RowParsers.labeled(line, where, csv, options.csvLabelColumn(), spec));
    });
    return toBlocks(JavaPairRDD.fromJavaRDD(rows), partitions, path, spec);
  }

  /** Turns one non-blank line of a text input into a record; {@code where} names file and line for errors. */
  public interface LineParser<T> extends java.io.Serializable {
    T parse(String file, long offset, String line, String where);
  }

  /**
   * The non-blank lines of the text files at {@code path} (any Hadoop path or glob), each parsed
   * with its file and byte offset, in file order within each split; a header line (offset 0) is
   * skipped when asked.
   */
  public static <T> JavaRDD<T> lines(JavaSparkContext jsc, String path, boolean skipHeader, LineParser<T> parser) {
    JavaNewHadoopRDD<LongWritable, Text> lines = (JavaNewHadoopRDD<LongWritable, Text>) jsc.newAPIHadoopFile(path,
        TextInputFormat.class, LongWritable.class, Text.class, jsc.hadoopConfiguration());
    return lines.mapPartitionsWithInputSplit((InputSplit split, Iterator<Tuple2<LongWritable, Text>> it) -> {
      String file = ((FileSplit) split).getPath().toString();
      // lazy: a split of a large file is never held in memory
      return new Iterator<T>() {
        private T pending;

        @Override
        public boolean hasNext() {
          while (pending == null && it.hasNext()) {
            Tuple2<LongWritable, Text> t = it.next();
            long offset = t._1().get();
            String line = t._2().toString();
            if (!line.isBlank() && !(skipHeader && offset == 0)) {
              pending = parser.parse(file, offset, line, file + " (line at byte " + offset + ")");
            }
          }
          return pending != null;
        }

        @Override
        public T next() {
          if (!hasNext()) {
            throw new java.util.NoSuchElementException();
          }
          T t = pending;
          pending = null;
          return t;
        }
      };
    }, false);
  }

  public static JavaRDD<RowBlock> parquet(SparkSession spark, String path, NetworkSpec spec, int partitions, Options options) {
    return dataset(spark.read().parquet(path), path, spec, partitions, options);
  }

  /** Any DataFrame with a label column and an ML Vector or array features column ({@code source} names it in errors). */
  public static JavaRDD<RowBlock> dataset(Dataset<Row> df, String source, NetworkSpec spec, int partitions, Options options) {
    String path = source;
    DataType featuresType = null;
    for (StructField f : df.schema().fields()) {
      if (f.name().equals(options.featuresColumn())) {
        featuresType = f.dataType();
      }
    }
    if (featuresType == null || !java.util.Arrays.asList(df.columns()).contains(options.labelColumn())) {
      throw new DataFormatException(path + ": expected columns '" + options.featuresColumn() + "' and '"
          + options.labelColumn() + "', found " + String.join(", ", df.columns()));
    }
    boolean vector = featuresType.typeName().equals("vector");
    if (!vector && !(featuresType instanceof ArrayType)) {
      throw new DataFormatException(path + ": column '" + options.featuresColumn() + "' is " + featuresType.simpleString()
          + "; expected an ML Vector or array<float|double>");
    }
    String labelCol = options.labelColumn();
    JavaRDD<Tuple2<Long, LabeledRow>> rows = df
        .select(functions.monotonically_increasing_id().as("_row"), functions.input_file_name().as("_file"),
            functions.col(labelCol).cast("double").as("_label"), functions.col(options.featuresColumn()).as("_features"))
        .javaRDD().map(r -> {
          long id = r.getLong(0);
          String where = r.getString(1) + " (row id " + id + ")";
          if (r.isNullAt(2) || r.isNullAt(3)) {
            throw new DataFormatException(where + ": missing label or features");
          }
          int label = RowParsers.checkLabel(r.getDouble(2), where + ": column '" + labelCol + "'", spec.classes());
          float[] x = new float[spec.inputSize()];
          FeatureValues.read(r.get(3), spec, x, 0, r.getString(1), id);
          return new Tuple2<>(id, new LabeledRow(label, x));
        });
    return toBlocks(JavaPairRDD.fromJavaRDD(rows), partitions, path, spec);
  }

  private static JavaRDD<RowBlock> toBlocks(JavaPairRDD<Long, LabeledRow> keyed, int partitions, String path, NetworkSpec spec) {
    int f = spec.inputSize();
    JavaRDD<RowBlock> blocks = keyed.repartitionAndSortWithinPartitions(new HashPartitioner(partitions)).mapPartitions(it -> {
      List<RowBlock> out = new ArrayList<>();
      List<LabeledRow> buffer = new ArrayList<>();
      while (it.hasNext()) {
        buffer.add(it.next()._2());
        if (buffer.size() == TrainingData.BLOCK_ROWS) {
          out.add(stack(buffer, f));
          buffer.clear();
        }
      }
      if (!buffer.isEmpty()) {
        out.add(stack(buffer, f));
      }
      return out.iterator();
    });
    return blocks.setName(path).persist(StorageLevel.MEMORY_AND_DISK());
  }

  private static RowBlock stack(List<LabeledRow> rows, int f) {
    float[] x = new float[rows.size() * f];
    int[] y = new int[rows.size()];
    for (int r = 0; r < rows.size(); r++) {
      System.arraycopy(rows.get(r).features, 0, x, r * f, f);
      y[r] = rows.get(r).label;
    }
    return new RowBlock(rows.size(), f, x, y);
  }
}
