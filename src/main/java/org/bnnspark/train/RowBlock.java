package org.bnnspark.train;

/**
 * Labelled examples stacked row-major into one dense array ({@code rows × features}), already on
 * the network's input scale. The unit of cached training data: Spark keeps one list of these per
 * partition.
 */
public final class RowBlock implements java.io.Serializable {
  private static final long serialVersionUID = 1L;
  public final int rows;
  public final int features;
  public final float[] x;
  public final int[] labels;

  public RowBlock(int rows, int features, float[] x, int[] labels) {
    if (x.length != rows * features || labels.length != rows) {
      throw new IllegalArgumentException("block of " + rows + "×" + features + " with " + x.length + " values and " + labels.length + " labels");
    }
    this.rows = rows;
    this.features = features;
    this.x = x;
    this.labels = labels;
  }

  /** Rows in a list of blocks. */
  public static long rows(java.util.List<RowBlock> blocks) {
    long n = 0;
    for (RowBlock b : blocks) {
      n += b.rows;
    }
    return n;
  }
}
