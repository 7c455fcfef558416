package org.bnnspark.spark;

/** One example on its way from a text or Parquet reader into cached {@link org.bnnspark.train.RowBlock}s. */
public final class LabeledRow {
  public final int label;
  public final float[] features;

  public LabeledRow(int label, float[] features) {
    this.label = label;
    this.features = features;
  }
}
