package org.bnnspark.spark;

import java.util.Locale;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.bnnspark.nn.SoftmaxCrossEntropy;

/**
 * Scoring throughput measurements shared by {@code jobs/bench.sh scoring} and the scoring notebook:
 * a cached dataset of a given size, and the rows/s of batch scoring it with a model.
 */
public final class ScoringThroughput {
  private ScoringThroughput() {}

  /**
   * {@code base} (columns …, features) replicated to at least {@code rows} rows in {@code partitions}
   * partitions, its feature vectors stored compressed (sparse where that is smaller, as MNIST is:
   * a million dense rows would not fit in memory), cached and counted.
   */
  public static Dataset<Row> replicate(SparkSession spark, Dataset<Row> base, long rows, int partitions) {
    StructType schema = base.schema();
    int features = schema.fieldIndex(ScoringInput.FEATURES);
    Dataset<Row> compact = spark.createDataFrame(base.javaRDD().map(r -> {
      Object[] v = new Object[r.length()];
      for (int i = 0; i < v.length; i++) {
        v[i] = i == features ? ((Vector) r.get(i)).compressed() : r.get(i);
      }
      return RowFactory.create(v);
    }), schema);
    long baseRows = base.count();
    long copies = Math.max(1, (rows + baseRows - 1) / baseRows);
    Dataset<Row> big = compact.crossJoin(spark.range(copies).withColumnRenamed("id", "copy"))
        .repartition(partitions).persist(StorageLevel.MEMORY_AND_DISK());
    big.count();
    return big;
  }

  /**
   * Rows/s of batch scoring all of {@code rows} with {@code model}: the best of {@code passes} timed
   * passes (the first may still run partly before C2 has compiled the kernels), after a warm-up pass
   * over {@code warm}. Each pass sums the predictions, so every row is really scored.
   */
  public static double rowsPerSecond(JavaSparkContext jsc, Dataset<Row> rows, Dataset<Row> warm, ScoringModel model,
      int passes, boolean verbose) {
    Broadcast<ScoringModel> bc = jsc.broadcast(model);
    try {
      StructType out = new StructType().add("prediction", DataTypes.IntegerType, false);
      BatchScoring.OutputRow maker = (row, logits, off, k) -> RowFactory.create(SoftmaxCrossEntropy.argmax(logits, off, k));
      BatchScoring.transform(warm, bc, ScoringInput.FEATURES, out, maker, "warm-up").agg(functions.sum("prediction")).first();
      long n = rows.count();
      double best = Double.MAX_VALUE;
      Row sum = null;
      for (int pass = 0; pass < passes; pass++) {
        long t0 = System.nanoTime();
        sum = BatchScoring.transform(rows, bc, ScoringInput.FEATURES, out, maker, "throughput").agg(functions.sum("prediction")).first();
        double s = (System.nanoTime() - t0) / 1e9;
        if (verbose) {
          System.out.printf(Locale.ROOT, "%-8s pass %d: %d rows in %.1f s = %.0f rows/s%n", model.engine(), pass + 1, n, s, n / s);
        }
        best = Math.min(best, s);
      }
      if (verbose) {
        System.out.printf(Locale.ROOT, "%-8s %10d rows in %7.1f s = %9.0f rows/s (best of %d; checksum %s)%n", model.engine(), n,
            best, n / best, passes, sum.get(0));
      }
      return n / best;
    } finally {
      bc.destroy(true);
    }
  }
}
