package org.bnnspark.train;

import java.util.List;
import org.bnnspark.nn.Network;
import org.bnnspark.nn.SoftmaxCrossEntropy;

/** Counts correct inference-mode predictions of a network over blocks of rows. */
public final class Evaluation {
  private static final int BATCH = 1000;
  private final Network network;
  private float[] x = new float[0];
  private float[] logits = new float[0];

  public Evaluation(Network network) {
    this.network = network;
  }

  /** Number of rows whose argmax logit equals the label. */
  public long correct(float[] params, float[] state, List<RowBlock> blocks) {
    int f = network.inputSize();
    int k = network.classes();
    long hits = 0;
    for (RowBlock b : blocks) {
      for (int from = 0; from < b.rows; from += BATCH) {
        int n = Math.min(BATCH, b.rows - from);
        if (x.length < n * f) {
          x = new float[n * f];
          logits = new float[n * k];
        }
        System.arraycopy(b.x, from * f, x, 0, n * f);
        network.predictLogits(params, state, x, n, logits);
        for (int r = 0; r < n; r++) {
          if (SoftmaxCrossEntropy.argmax(logits, r * k, k) == b.labels[from + r]) {
            hits++;
          }
        }
      }
    }
    return hits;
  }
}
