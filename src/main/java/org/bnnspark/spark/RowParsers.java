package org.bnnspark.spark;

import org.bnnspark.nn.NetworkSpec;

/**
 * Line formats: CSV ({@code label,f1,…,fK}, the label in any column) and LibSVM
 * ({@code label i:v i:v …}, 1-based ascending indices, absent features 0). Raw feature values are
 * mapped onto the network's input scale ({@link NetworkSpec#scaleInput}). Every error names the file,
 * the line (by byte offset: files are split across tasks, so line numbers are not known) and the
 * column.
 */
final class RowParsers {
  private RowParsers() {}

  static LabeledRow csv(String line, String where, int labelColumn, NetworkSpec spec) {
    String[] fields = line.split(",", -1);
    int expected = spec.inputSize() + 1;
    if (fields.length != expected) {
      throw new DataFormatException(where + ": " + fields.length + " columns, expected " + expected
          + " (a label and " + spec.inputSize() + " features)");
    }
    if (labelColumn >= fields.length) {
      throw new DataFormatException(where + ": no label column " + (labelColumn + 1));
    }
    float[] x = new float[spec.inputSize()];
    int f = 0;
    for (int c = 0; c < fields.length; c++) {
      if (c == labelColumn) {
        continue;
      }
      x[f++] = spec.scaleInput(number(fields[c], where, c + 1));
    }
    return new LabeledRow(label(fields[labelColumn], where, labelColumn + 1, spec.classes()), x);
  }

  static LabeledRow libsvm(String line, String where, NetworkSpec spec) {
    String[] tokens = line.trim().split("\\s+");
    int label = label(tokens[0], where, 1, spec.classes());
    float[] x = new float[spec.inputSize()];
    float zero = spec.scaleInput(0);
    java.util.Arrays.fill(x, zero);
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
      if (index <= previous || index > spec.inputSize()) {
        throw new DataFormatException(where + ": feature index " + index + " out of order or outside 1.." + spec.inputSize());
      }
      previous = index;
      x[index - 1] = spec.scaleInput(number(tokens[t].substring(colon + 1), where, index));
    }
    return new LabeledRow(label, x);
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

  static int checkLabel(double v, String where, int classes) {
    if (v != Math.rint(v) || v < 0 || v >= classes) {
      throw new DataFormatException(where + ": label " + v + " is not a class index in 0.." + (classes - 1));
    }
    return (int) v;
  }
}
