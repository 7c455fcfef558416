package org.bnnspark.spark;

import java.util.List;
import org.apache.spark.ml.linalg.DenseVector;
import org.apache.spark.ml.linalg.SparseVector;
import org.apache.spark.ml.linalg.Vector;
import org.bnnspark.nn.NetworkSpec;

/**
 * One DataFrame features cell (an ML Vector, or an array of numbers) onto the network's input
 * scale. Dense and sparse vectors are read through their arrays (a sparse vector's {@code apply} is
 * a binary search per element).
 */
public final class FeatureValues {
  private FeatureValues() {}

  /**
   * Writes the {@code input_size} scaled values of {@code cell} into {@code x[off…]}. Errors name
   * the row as {@code "<source> row <row>"} (built only on error: this runs for every row scored).
   */
  public static void read(Object cell, NetworkSpec spec, float[] x, int off, String source, long row) {
    try {
      read(cell, spec, x, off);
    } catch (DataFormatException e) {
      throw new DataFormatException(source + " row " + row + ": " + e.getMessage());
    }
  }

  private static void read(Object cell, NetworkSpec spec, float[] x, int off) {
    int f = spec.inputSize();
    if (cell == null) {
      throw new DataFormatException("the features cell is null");
    }
    if (cell instanceof DenseVector v) {
      check(v.size(), f);
      double[] values = v.values();
      for (int i = 0; i < f; i++) {
        x[off + i] = scale(values[i], spec, i);
      }
      return;
    }
    if (cell instanceof SparseVector v) {
      check(v.size(), f);
      java.util.Arrays.fill(x, off, off + f, spec.scaleInput(0));
      int[] indices = v.indices();
      double[] values = v.values();
      for (int a = 0; a < indices.length; a++) {
        x[off + indices[a]] = scale(values[a], spec, indices[a]);
      }
      return;
    }
    if (cell instanceof Vector v) {
      check(v.size(), f);
      for (int i = 0; i < f; i++) {
        x[off + i] = scale(v.apply(i), spec, i);
      }
      return;
    }
    List<?> values = cell instanceof scala.collection.Seq<?> s ? scala.jdk.javaapi.CollectionConverters.asJava(s) : (List<?>) cell;
    check(values.size(), f);
    for (int i = 0; i < f; i++) {
      Object o = values.get(i);
      if (o == null) {
        throw new DataFormatException("feature " + (i + 1) + " is null");
      }
      x[off + i] = scale(((Number) o).doubleValue(), spec, i);
    }
  }

  private static void check(int n, int f) {
    if (n != f) {
      throw new DataFormatException(n + " features, but the network's input_size is " + f);
    }
  }

  private static float scale(double v, NetworkSpec spec, int i) {
    if (!Double.isFinite(v)) {
      throw new DataFormatException("feature " + (i + 1) + " is " + v);
    }
    return spec.scaleInput(v);
  }
}
