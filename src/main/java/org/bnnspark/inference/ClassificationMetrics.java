package org.bnnspark.inference;

import java.util.Locale;

/**
 * Accuracy, per-class precision / recall / F1 and the confusion matrix of a classifier, from the
 * matrix {@code counts[actual][predicted]}. A class that is never predicted has precision 0 (and
 * one that never occurs recall 0), as scikit-learn reports them with {@code zero_division=0}.
 */
public final class ClassificationMetrics {
  private final long[][] counts;
  private final int k;

  public ClassificationMetrics(long[][] counts) {
    this.counts = counts;
    this.k = counts.length;
  }

  /** From a flat {@code k × k} row-major matrix (actual-major). */
  public static ClassificationMetrics ofFlat(long[] flat, int k) {
    long[][] m = new long[k][k];
    for (int a = 0; a < k; a++) {
      System.arraycopy(flat, a * k, m[a], 0, k);
    }
    return new ClassificationMetrics(m);
  }

  public int classes() {
    return k;
  }

  /** Rows of class {@code actual} predicted as {@code predicted}. */
  public long count(int actual, int predicted) {
    return counts[actual][predicted];
  }

  public long rows() {
    long n = 0;
    for (long[] row : counts) {
      for (long c : row) {
        n += c;
      }
    }
    return n;
  }

  public double accuracy() {
    long hits = 0;
    for (int c = 0; c < k; c++) {
      hits += counts[c][c];
    }
    return (double) hits / Math.max(1, rows());
  }

  public long support(int c) {
    long s = 0;
    for (long v : counts[c]) {
      s += v;
    }
    return s;
  }

  private long predicted(int c) {
    long s = 0;
    for (long[] row : counts) {
      s += row[c];
    }
    return s;
  }

  public double precision(int c) {
    long p = predicted(c);
    return p == 0 ? 0 : (double) counts[c][c] / p;
  }

  public double recall(int c) {
    long s = support(c);
    return s == 0 ? 0 : (double) counts[c][c] / s;
  }

  public double f1(int c) {
    double p = precision(c);
    double r = recall(c);
    return p + r == 0 ? 0 : 2 * p * r / (p + r);
  }

  public double macroF1() {
    double s = 0;
    for (int c = 0; c < k; c++) {
      s += f1(c);
    }
    return s / k;
  }

  /** The per-class table and the confusion matrix, as printed by {@code jobs/evaluate.sh}. */
  public String table() {
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT, "%6s %10s %10s %10s %10s%n", "class", "precision", "recall", "f1", "support"));
    for (int c = 0; c < k; c++) {
      sb.append(String.format(Locale.ROOT, "%6d %10.4f %10.4f %10.4f %10d%n", c, precision(c), recall(c), f1(c), support(c)));
    }
    sb.append(String.format(Locale.ROOT, "%6s %32s %10.4f %10d%n", "macro", "", macroF1(), rows()));
    sb.append("confusion matrix (rows: actual, columns: predicted)\n");
    sb.append(String.format(Locale.ROOT, "%6s", ""));
    for (int c = 0; c < k; c++) {
      sb.append(String.format(Locale.ROOT, " %6d", c));
    }
    sb.append('\n');
    for (int a = 0; a < k; a++) {
      sb.append(String.format(Locale.ROOT, "%6d", a));
      for (int p = 0; p < k; p++) {
        sb.append(String.format(Locale.ROOT, " %6d", counts[a][p]));
      }
      sb.append('\n');
    }
    return sb.toString();
  }

  /** The same as JSON (one object; {@code extra} is spliced in as the first members, e.g. model and input). */
  public String toJson(String extra) {
    StringBuilder sb = new StringBuilder("{");
    if (extra != null && !extra.isEmpty()) {
      sb.append(extra).append(", ");
    }
    sb.append(String.format(Locale.ROOT, "\"rows\": %d, \"accuracy\": %.6f, \"macro_f1\": %.6f, \"classes\": [", rows(),
        accuracy(), macroF1()));
    for (int c = 0; c < k; c++) {
      sb.append(String.format(Locale.ROOT, "%s{\"class\": %d, \"precision\": %.6f, \"recall\": %.6f, \"f1\": %.6f, \"support\": %d}",
          c == 0 ? "" : ", ", c, precision(c), recall(c), f1(c), support(c)));
    }
    sb.append("], \"confusion_matrix\": [");
    for (int a = 0; a < k; a++) {
      sb.append(a == 0 ? "[" : ", [");
      for (int p = 0; p < k; p++) {
        sb.append(p == 0 ? "" : ", ").append(counts[a][p]);
      }
      sb.append(']');
    }
    return sb.append("]}\n").toString();
  }
}
