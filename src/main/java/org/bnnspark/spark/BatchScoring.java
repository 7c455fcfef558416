package org.bnnspark.spark;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.types.StructType;
import org.bnnspark.nn.NetworkSpec;

/**
 * Scores the rows of a DataFrame against one broadcast {@link ScoringModel}: per partition, rows
 * are taken in batches, their features cells scaled into one reused array, scored in one call,
 * and turned into output rows by an {@link OutputRow}. Streaming: a partition never holds more
 * than one batch.
 */
public final class BatchScoring {
  /** Rows per scoring call: large enough to amortize the kernels' setup, small enough for L2. */
  public static final int BATCH = 512;

  private BatchScoring() {}

  /** Builds one output row from an input row and its logits {@code logits[off … off+k)}. */
  public interface OutputRow extends Serializable {
    Row make(Row in, float[] logits, int off, int k);
  }

  /** Builds the output row of an input row that cannot be scored. */
  public interface BadRow extends Serializable {
    Row make(Row in, String error);
  }

  /**
   * {@code df} scored: one output row per input row, in order, with schema {@code out}. Errors in a
   * features cell name {@code source} and the row's position in its partition, and fail the job.
   */
  public static Dataset<Row> transform(Dataset<Row> df, Broadcast<ScoringModel> model, String featuresCol, StructType out,
      OutputRow maker, String source) {
    return transform(df, model, featuresCol, null, out, maker, null, source);
  }

  /**
   * As above, but a row that cannot be scored — its {@code errorCol} is set by the reader, or its
   * features cell is bad — becomes {@code bad.make(row, error)} instead of failing the job.
   */
  public static Dataset<Row> transform(Dataset<Row> df, Broadcast<ScoringModel> model, String featuresCol, String errorCol,
      StructType out, OutputRow maker, BadRow bad, String source) {
    int column = df.schema().fieldIndex(featuresCol);
    int errorColumn = errorCol == null ? -1 : df.schema().fieldIndex(errorCol);
    MapPartitionsFunction<Row, Row> f = rows -> {
      ScoringModel m = model.value();
      int partition = org.apache.spark.TaskContext.getPartitionId();
      return new Scored(rows, m.newLogits(), m.inputSpec(), column, errorColumn, maker, bad,
          source + " (partition " + partition + ")");
    };
    return df.mapPartitions(f, Encoders.row(out));
  }

  /** The iterator that does the work. */
  static final class Scored implements Iterator<Row> {
    private final Iterator<Row> rows;
    private final ScoringModel.Logits scorer;
    private final NetworkSpec spec;
    private final int column;
    private final OutputRow maker;
    private final int errorColumn;
    private final BadRow bad;
    /** Per row of the batch: why it cannot be scored, or null. */
    private final String[] errors = new String[BATCH];
    private final String where;
    private final int f;
    private final int k;
    private final float[] x;
    private final float[] logits;
    private final List<Row> batch = new ArrayList<>(BATCH);
    private int next;
    private long position;

    Scored(Iterator<Row> rows, ScoringModel.Logits scorer, NetworkSpec spec, int column, int errorColumn, OutputRow maker,
        BadRow bad, String where) {
      this.rows = rows;
      this.errorColumn = errorColumn;
      this.bad = bad;
      this.scorer = scorer;
      this.spec = spec;
      this.column = column;
      this.maker = maker;
      this.where = where;
      this.f = spec.inputSize();
      this.k = spec.classes();
      this.x = new float[BATCH * f];
      this.logits = new float[BATCH * k];
    }

    @Override
    public boolean hasNext() {
      return next < batch.size() || rows.hasNext();
    }

    @Override
    public Row next() {
      if (next == batch.size()) {
        fill();
      }
      int i = next++;
      Row in = batch.get(i);
      return errors[i] != null ? bad.make(in, errors[i]) : maker.make(in, logits, k * i, k);
    }

    private void fill() {
      batch.clear();
      next = 0;
      while (batch.size() < BATCH && rows.hasNext()) {
        Row r = rows.next();
        int slot = batch.size();
        errors[slot] = errorColumn >= 0 && !r.isNullAt(errorColumn) ? r.getString(errorColumn) : null;
        if (errors[slot] == null) {
          try {
            FeatureValues.read(r.get(column), spec, x, slot * f, where, position);
          } catch (DataFormatException e) {
            if (bad == null) {
              throw e;
            }
            errors[slot] = e.getMessage();
          }
        }
        if (errors[slot] != null) {
          java.util.Arrays.fill(x, slot * f, (slot + 1) * f, 0f); // scored like the others, never reported
        }
        position++;
        batch.add(r);
      }
      if (batch.isEmpty()) {
        throw new NoSuchElementException();
      }
      scorer.logits(x, batch.size(), logits);
    }
  }
}
