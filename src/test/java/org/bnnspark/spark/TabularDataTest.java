package org.bnnspark.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.bnnspark.train.ModelConfig;
import org.bnnspark.train.RowBlock;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** CSV, LibSVM and Parquet readers give the same rows as the IDX reader, deterministically, and refuse bad rows clearly. */
class TabularDataTest {
  @TempDir
  static Path tmp;
  static JavaSparkContext jsc;
  static SparkSession spark;
  static ModelConfig cfg = ModelConfig.parse(TestData.CONFIG, "test");
  static List<String> reference;
  static List<int[]> raw = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    Path idx = TestData.write(tmp.resolve("idx"), 300, 10, false);
    jsc = SparkSessions.local(2);
    spark = SparkSession.builder().sparkContext(jsc.sc()).getOrCreate();
    String[] files = TrainingData.idxPair(idx.toString(), "train", jsc.hadoopConfiguration());
    reference = rows(TrainingData.idx(jsc, files[0], files[1], cfg.network(), 2));
    byte[] pix = Files.readAllBytes(idx.resolve("train-images-idx3-ubyte"));
    byte[] lab = Files.readAllBytes(idx.resolve("train-labels-idx1-ubyte"));
    for (int r = 0; r < 300; r++) {
      int[] row = new int[65];
      row[0] = lab[8 + r];
      for (int j = 0; j < 64; j++) {
        row[j + 1] = pix[16 + r * 64 + j] & 0xFF;
      }
      raw.add(row);
    }
  }

  @AfterAll
  static void stop() {
    jsc.stop();
  }

  /** Every row as text, sorted: the multiset of rows, whatever the partitioning. */
  static List<String> rows(JavaRDD<RowBlock> rdd) {
    List<String> out = new ArrayList<>();
    for (RowBlock b : rdd.collect()) {
      for (int r = 0; r < b.rows; r++) {
        out.add(b.labels[r] + ":" + java.util.Arrays.toString(java.util.Arrays.copyOfRange(b.x, r * b.features, (r + 1) * b.features)));
      }
    }
    out.sort(null);
    return out;
  }

  @Test
  void csvWithTheLabelInAnyColumnAndAHeader() throws Exception {
    Path csv = tmp.resolve("data.csv");
    StringBuilder sb = new StringBuilder("f0");
    for (int j = 1; j <= 64; j++) {
      sb.append(",").append(j == 3 ? "label" : "f" + j);
    }
    sb.append('\n');
    for (int[] row : raw) {
      for (int j = 1; j <= 64; j++) {
        if (j > 1) {
          sb.append(',');
        }
        sb.append(row[j]);
        if (j == 3) {
          sb.append(',').append(row[0]); // label in column index 3
        }
      }
      sb.append('\n');
    }
    Files.writeString(csv, sb.toString());
    TabularData.Options o = new TabularData.Options(3, true, "label", "features");
    JavaRDD<RowBlock> a = TabularData.text(jsc, csv.toString(), "csv", cfg.network(), 3, o);
    assertEquals(reference, rows(a));
    JavaRDD<RowBlock> b = TabularData.text(jsc, csv.toString(), "csv", cfg.network(), 3, o);
    assertEquals(blocksText(a), blocksText(b), "same input and partition count, same partitions in the same order");
  }

  private static List<String> blocksText(JavaRDD<RowBlock> rdd) {
    List<String> out = new ArrayList<>();
    for (List<RowBlock> p : rdd.glom().collect()) {
      StringBuilder sb = new StringBuilder();
      for (RowBlock b : p) {
        sb.append(java.util.Arrays.toString(b.labels)).append(java.util.Arrays.hashCode(b.x));
      }
      out.add(sb.toString());
    }
    return out;
  }

  @Test
  void libsvmWithSparseRows() throws Exception {
    Path file = tmp.resolve("data.libsvm");
    StringBuilder sb = new StringBuilder();
    for (int[] row : raw) {
      sb.append(row[0]);
      for (int j = 1; j <= 64; j++) {
        if (row[j] != 0) {
          sb.append(' ').append(j).append(':').append(row[j]);
        }
      }
      sb.append('\n');
    }
    Files.writeString(file, sb.toString());
    assertEquals(reference, rows(TabularData.text(jsc, file.toString(), "libsvm", cfg.network(), 2, TabularData.Options.defaults())));
  }

  @Test
  void parquetWithVectorAndArrayFeatures() throws Exception {
    // built with Spark SQL from a headerless CSV (label first), as a user's pipeline would
    Path csv = tmp.resolve("plain.csv");
    StringBuilder sb = new StringBuilder();
    for (int[] row : raw) {
      for (int j = 0; j <= 64; j++) {
        sb.append(j == 0 ? "" : ",").append(row[j]);
      }
      sb.append('\n');
    }
    Files.writeString(csv, sb.toString());
    String ddl = java.util.stream.IntStream.rangeClosed(0, 64).mapToObj(i -> "_c" + i + " INT")
        .collect(java.util.stream.Collectors.joining(", "));
    Dataset<Row> df = spark.read().schema(ddl).csv(csv.toString());
    String[] pixels = java.util.Arrays.copyOfRange(df.columns(), 1, 65);
    Column[] pixelCols = java.util.Arrays.stream(pixels).map(c -> functions.col(c).cast("float")).toArray(Column[]::new);
    String v = tmp.resolve("vec.parquet").toString();
    String arr = tmp.resolve("arr.parquet").toString();
    new VectorAssembler().setInputCols(pixels).setOutputCol("features").transform(df)
        .select(functions.col("_c0").cast("double").as("label"), functions.col("features")).write().parquet(v);
    df.select(functions.col("_c0").as("y"), functions.array(pixelCols).as("pixels")).write().parquet(arr);

    assertEquals(reference, rows(TabularData.parquet(spark, v, cfg.network(), 2, TabularData.Options.defaults())));
    assertEquals(reference, rows(TabularData.parquet(spark, arr, cfg.network(), 2, new TabularData.Options(0, false, "y", "pixels"))));
    DataFormatException missing = assertThrows(DataFormatException.class,
        () -> TabularData.parquet(spark, arr, cfg.network(), 2, TabularData.Options.defaults()));
    assertTrue(missing.getMessage().contains("expected columns 'features' and 'label', found y, pixels"), missing.getMessage());
  }

  @Test
  void badRowsAreRefusedNamingFileLineAndColumn() throws Exception {
    Path csv = tmp.resolve("bad.csv");
    String good = "1" + ",0".repeat(64) + "\n";
    Files.writeString(csv, good + "2" + ",0".repeat(10) + ",abc" + ",0".repeat(53) + "\n");
    Exception e = assertThrows(Exception.class,
        () -> TabularData.text(jsc, csv.toString(), "csv", cfg.network(), 2, TabularData.Options.defaults()).count());
    String msg = org.bnnspark.cli.JobMainAccess.explain(e);
    assertTrue(msg.contains("bad.csv (line at byte " + good.length() + "): column 12: 'abc' is not a number"), msg);

    Files.writeString(csv, good + "7" + ",0".repeat(64) + "\n");
    e = assertThrows(Exception.class,
        () -> TabularData.text(jsc, csv.toString(), "csv", cfg.network(), 2, TabularData.Options.defaults()).count());
    msg = org.bnnspark.cli.JobMainAccess.explain(e);
    assertTrue(msg.contains("column 1: label 7.0 is not a class index in 0..3"), msg);

    Files.writeString(csv, good + "1" + ",0".repeat(60) + "\n");
    e = assertThrows(Exception.class,
        () -> TabularData.text(jsc, csv.toString(), "csv", cfg.network(), 2, TabularData.Options.defaults()).count());
    msg = org.bnnspark.cli.JobMainAccess.explain(e);
    assertTrue(msg.contains("61 columns, expected 65"), msg);
  }

  /** One bad line after a good one must fail the read with a message containing {@code expected}. */
  private static void assertBadLine(String format, String badLine, String expected) throws Exception {
    Path file = tmp.resolve("bad-" + Math.abs(badLine.hashCode()) + "." + format);
    String good = format.equals("csv") ? "1" + ",0".repeat(64) + "\n" : "1 1:3 7:255\n";
    Files.writeString(file, good + badLine + "\n");
    Exception e = assertThrows(Exception.class,
        () -> TabularData.text(jsc, file.toString(), format, cfg.network(), 2, TabularData.Options.defaults()).count());
    String msg = org.bnnspark.cli.JobMainAccess.explain(e);
    assertTrue(msg.contains(file.getFileName() + " (line at byte " + good.length() + ")") && msg.contains(expected),
        "expected '" + expected + "' in: " + msg);
  }

  @Test
  void everyKindOfBadValueIsNamedWithItsFileLineAndColumn() throws Exception {
    assertBadLine("csv", "1" + ",0".repeat(10) + ",NaN" + ",0".repeat(53), "column 12: NaN is not a finite number");
    assertBadLine("csv", "1" + ",0".repeat(63) + ",Infinity", "column 65: Infinity is not a finite number");
    assertBadLine("csv", "" + ",0".repeat(64), "column 1: '' is not a number");
    assertBadLine("csv", "-1" + ",0".repeat(64), "column 1: label -1.0 is not a class index in 0..3");
    assertBadLine("csv", "2.5" + ",0".repeat(64), "column 1: label 2.5 is not a class index in 0..3");
    assertBadLine("csv", "cat" + ",0".repeat(64), "column 1: 'cat' is not a number");
    assertBadLine("libsvm", "2 3:1 3:4", "feature index 3 out of order");
    assertBadLine("libsvm", "2 65:1", "feature index 65 out of order or outside 1..64");
    assertBadLine("libsvm", "2 4=1", "token 2 '4=1' is not index:value");
    assertBadLine("libsvm", "2 4:NaN", "column 4: NaN is not a finite number");
  }

  @Test
  void badParquetCellsAndIdxFilesAreNamed() throws Exception {
    StructType schema = new StructType().add("label", DataTypes.IntegerType).add("features", new org.apache.spark.ml.linalg.VectorUDT());
    double[] nan = new double[64];
    nan[5] = Double.NaN;
    for (Object[] row : new Object[][] {
        {1, org.apache.spark.ml.linalg.Vectors.dense(nan)},
        {1, org.apache.spark.ml.linalg.Vectors.dense(new double[63])},
        {1, null}}) {
      Path dir = tmp.resolve("bad-parquet-" + System.nanoTime());
      spark.createDataFrame(List.of(org.apache.spark.sql.RowFactory.create(row)), schema).write().parquet(dir.toString());
      Exception e = assertThrows(Exception.class,
          () -> TabularData.parquet(spark, dir.toString(), cfg.network(), 1, TabularData.Options.defaults()).count());
      String msg = org.bnnspark.cli.JobMainAccess.explain(e);
      assertTrue(msg.contains(dir.toString()) && (msg.contains("feature 6 is NaN") || msg.contains("63 features, but the network's input_size is 64")
          || msg.contains("missing label or features")), msg);
    }

    Path idx = TestData.write(tmp.resolve("idx-bad"), 100, 10, false);
    byte[] images = Files.readAllBytes(idx.resolve("train-images-idx3-ubyte"));
    images[3] = 0x01; // wrong magic: a 1-dimensional file
    Files.write(idx.resolve("train-images-idx3-ubyte"), images);
    String[] pair = TrainingData.idxPair(idx.toString(), "train", jsc.hadoopConfiguration());
    DataFormatException magic = assertThrows(DataFormatException.class,
        () -> TrainingData.idx(jsc, pair[0], pair[1], cfg.network(), 1));
    assertTrue(magic.getMessage().contains("train-images-idx3-ubyte") && magic.getMessage().contains("dimensions"), magic.getMessage());
    Path other = TestData.write(tmp.resolve("idx-mismatch"), 100, 10, false);
    String[] mismatch = {other.resolve("train-images-idx3-ubyte").toString(), other.resolve("t10k-labels-idx1-ubyte").toString()};
    DataFormatException counts = assertThrows(DataFormatException.class,
        () -> TrainingData.idx(jsc, mismatch[0], mismatch[1], cfg.network(), 1));
    assertTrue(counts.getMessage().contains("has 100 images but") && counts.getMessage().contains("has 10 labels"), counts.getMessage());
  }
}
