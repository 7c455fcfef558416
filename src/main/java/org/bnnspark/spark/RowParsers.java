package org.bnnspark.spark;

import org.bnnspark.nn.NetworkSpec;

/**
 * Line formats: CSV ({@code label,f1,…,fK}, the label in any column) and LibSVM
 * ({@code label i:v i:v …}, 1-based ascending indices, absent features 0). Raw feature values are
 * mapped onto the network's input scale ({@link NetworkSpec#scaleInput}). Every error names the file,
 * the line (by byte offset: files are split across tasks, so line numbers are not known) and the
 * column.
 */
public final class RowParsers {
  private RowParsers() {}

  /**
   * One parsed line with its raw (unscaled) feature values: dense ({@code indices == null}) or
   * sparse (LibSVM). {@code label} is −1 when the line has none.
   */
  record Parsed(int label, int size, int[] indices, double[] values) {
    /** The features on the network's input scale. */
    float[] scaled(NetworkSpec spec) {
      float[] x = new float[size];
      if (indices == null) {
        for (int i = 0; i < size; i++) {
          x[i] = spec.scaleInput(values[i]);
        }
      } else {
        java.util.Arrays.fill(x, spec.scaleInput(0));
        for (int a = 0; a < indices.length; a++) {
          x[indices[a]] = spec.scaleInput(values[a]);
        }
      }
      return x;
    }

    /** The raw features as an ML vector (dense or sparse, as read). */
    org.apache.spark.ml.linalg.Vector vector() {
      return indices == null ? new org.apache.spark.ml.linalg.DenseVector(values)
          : new org.apache.spark.ml.linalg.SparseVector(size, indices, values);
    }
  }

  /** A CSV line of {@code inputSize} features and, unless {@code labelColumn < 0}, a label in that 0-based column. */
  static Parsed csv(String line, String where, int labelColumn, int inputSize, int classes) {
    String[] fields = line.split(",", -1);
    boolean labelled = labelColumn >= 0;
    int expected = inputSize + (labelled ? 1 : 0);
    if (fields.length != expected) {
      throw new DataFormatException(where + ": " + fields.length + " columns, expected " + expected
          + (labelled ? " (a label and " + inputSize + " features)" : " features"));
    }
    double[] x = new double[inputSize];
    int f = 0;
    for (int c = 0; c < fields.length; c++) {
      if (c != labelColumn) {
        x[f++] = number(fields[c], where, c + 1);
      }
    }
    int label = labelled ? label(fields[labelColumn], where, labelColumn + 1, classes) : -1;
    return new Parsed(label, inputSize, null, x);
  }

  /** A LibSVM line: {@code label i:v i:v …}, 1-based ascending indices. */
  static Parsed libsvm(String line, String where, int inputSize, int classes) {
    String[] tokens = line.trim().split("\\s+");
    int label = label(tokens[0], where, 1, classes);
    int[] indices = new int[tokens.length - 1];
    double[] values = new double[tokens.length - 1];
    int previous = 0;
    for (int t = 1; t < tokens.length; t++) {
      int colon = tokens[t].indexOf(':');
      if (colon <= 0) {
        throw new DataFormatException(where + ": token " + (t + 1) + " '" + tokens[t] + "' is not index:value");
      }
      int index;
      try {
        index = Integer.parseInt(tokens[t].substring(0, colon));
      } catch (NumberFormatException e) {
        throw new DataFormatException(where + ": token " + (t + 1) + ": index '" + tokens[t].substring(0, colon) + "' is not an integer");
      }
      if (index <= previous || index > inputSize) {
        throw new DataFormatException(where + ": feature index " + index + " out of order or outside 1.." + inputSize);
      }
      previous = index;
      indices[t - 1] = index - 1;
      values[t - 1] = number(tokens[t].substring(colon + 1), where, index);
    }
    return new Parsed(label, inputSize, indices, values);
  }

  /** A labelled training row from a CSV or LibSVM line. */
  static LabeledRow labeled(String line, String where, boolean csv, int labelColumn, NetworkSpec spec) {
    Parsed p = csv ? csv(line, where, labelColumn, spec.inputSize(), spec.classes())
        : libsvm(line, where, spec.inputSize(), spec.classes());
    return new LabeledRow(p.label(), p.scaled(spec));
  }

  private static double number(String s, String where, int column) {
    double v;
    try {
      v = Double.parseDouble(s.trim());
    } catch (NumberFormatException e) {
      throw new DataFormatException(where + ": column " + column + ": '" + s + "' is not a number");
    }
    if (!Double.isFinite(v)) {
      throw new DataFormatException(where + ": column " + column + ": " + s + " is not a finite number");
    }
    return v;
  }

  static int label(String s, String where, int column, int classes) {
    double v = number(s, where, column);
    return checkLabel(v, where + ": column " + column, classes);
  }

  /** The class index a label value stands for; anything else is refused naming {@code where}. */
  public static int checkLabel(double v, String where, int classes) {
    if (v != Math.rint(v) || v < 0 || v >= classes) {
      throw new DataFormatException(where + ": label " + v + " is not a class index in 0.." + (classes - 1));
    }
    return (int) v;
  }
}
