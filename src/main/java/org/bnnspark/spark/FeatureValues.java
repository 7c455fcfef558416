package org.bnnspark.spark;

import java.util.List;
import org.apache.spark.ml.linalg.Vector;
import org.bnnspark.nn.NetworkSpec;

/** One DataFrame features cell (an ML Vector, or an array of numbers) onto the network's input scale. */
public final class FeatureValues {
  private FeatureValues() {}

  /** Writes the {@code input_size} scaled values of {@code cell} into {@code x[off…]}; {@code where} names the row in errors. */
  public static void read(Object cell, NetworkSpec spec, float[] x, int off, String where) {
    int f = spec.inputSize();
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
