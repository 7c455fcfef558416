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

  /** Writes the {@code input_size} scaled values of {@code cell} into {@code x[off…]}; {@code where} names the row in errors. */
  public static void read(Object cell, NetworkSpec spec, float[] x, int off, String where) {
    int f = spec.inputSize();
    if (cell == null) {
      throw new DataFormatException(where + ": the features cell is null");
    }
    if (cell instanceof DenseVector v) {
      check(v.size(), f, where);
      double[] values = v.values();
      for (int i = 0; i < f; i++) {
        x[off + i] = scale(values[i], spec, where, i);
      }
      return;
    }
    if (cell instanceof SparseVector v) {
      check(v.size(), f, where);
      java.util.Arrays.fill(x, off, off + f, spec.scaleInput(0));
      int[] indices = v.indices();
      double[] values = v.values();
      for (int a = 0; a < indices.length; a++) {
        x[off + indices[a]] = scale(values[a], spec, where, indices[a]);
      }
      return;
    }
    if (cell instanceof Vector v) {
      check(v.size(), f, where);
      for (int i = 0; i < f; i++) {
        x[off + i] = scale(v.apply(i), spec, where, i);
      }
      return;
    }
    List<?> values = cell instanceof scala.collection.Seq<?> s ? scala.jdk.javaapi.CollectionConverters.asJava(s) : (List<?>) cell;
    check(values.size(), f, where);
    for (int i = 0; i < f; i++) {
      Object o = values.get(i);
      if (o == null) {
        throw new DataFormatException(where + ": feature " + (i + 1) + " is null");
      }
      x[off + i] = scale(((Number) o).doubleValue(), spec, where, i);
    }
  }

  private static void check(int n, int f, String where) {
    if (n != f) {
      throw new DataFormatException(where + ": " + n + " features, but the network's input_size is " + f);
    }
  }

  private static float scale(double v, NetworkSpec spec, String where, int i) {
    if (!Double.isFinite(v)) {
      throw new DataFormatException(where + ": feature " + (i + 1) + " is " + v);
    }
    return spec.scaleInput(v);
  }
}
