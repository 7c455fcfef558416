package org.bnnspark.nn;

/**
 * Softmax cross-entropy over logits {@code z} (n × k): {@code loss = Σ_r −log softmax(z_r)[y_r]},
 * {@code dz = softmax(z) − onehot(y)} (both summed over rows, not averaged: the trainer divides by
 * the total example count once all partitions are summed).
 */
public final class SoftmaxCrossEntropy {
  // StrictMath, not Math: Math.exp/log may be JIT intrinsics whose last bit differs between JDKs,
  // and the same seed must give the same weights on 17, 21 and 25.
  private SoftmaxCrossEntropy() {}

  /** Writes {@code dz}, returns the loss sum; {@code correct[0]} gets the number of argmax hits. */
  public static double lossAndGradient(float[] z, int[] labels, int labelOff, int n, int k, float[] dz, int[] correct) {
    double loss = 0;
    int hits = 0;
    for (int r = 0; r < n; r++) {
      int row = r * k;
      int best = argmax(z, row, k);
      float max = z[row + best];
      double sum = 0;
      for (int j = 0; j < k; j++) {
        sum += StrictMath.exp(z[row + j] - max);
      }
      int y = labels[labelOff + r];
      loss += StrictMath.log(sum) - (z[row + y] - max);
      for (int j = 0; j < k; j++) {
        dz[row + j] = (float) (StrictMath.exp(z[row + j] - max) / sum) - (j == y ? 1f : 0f);
      }
      if (best == y) {
        hits++;
      }
    }
    correct[0] = hits;
    return loss;
  }

  /** Index of the largest of {@code k} values at {@code z[off]}; the first one on ties. */
  public static int argmax(float[] z, int off, int k) {
    int best = 0;
    for (int j = 1; j < k; j++) {
      if (z[off + j] > z[off + best]) {
        best = j;
      }
    }
    return best;
  }

  /** Row-wise softmax in place. */
  public static void softmax(float[] z, int off, int k) {
    float max = z[off + argmax(z, off, k)];
    double sum = 0;
    for (int j = 0; j < k; j++) {
      sum += StrictMath.exp(z[off + j] - max);
    }
    for (int j = 0; j < k; j++) {
      z[off + j] = (float) (StrictMath.exp(z[off + j] - max) / sum);
    }
  }
}
