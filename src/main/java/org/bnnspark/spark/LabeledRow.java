package org.bnnspark.spark;

/** One example on its way from a text or Parquet reader into cached {@link org.bnnspark.train.RowBlock}s. */
public final class LabeledRow implements java.io.Serializable {
  private static final long serialVersionUID = 1L;
  public final int label;
  public final float[] features;

  public LabeledRow(int label, float[] features) {
    this.label = label;
    this.features = features;
  }
}
