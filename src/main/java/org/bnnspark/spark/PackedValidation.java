package org.bnnspark.spark;

import org.bnnspark.train.ParamsSnapshot;
import java.util.Collections;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.bnnspark.inference.PackedModel;
import org.bnnspark.inference.PackedScorer;
import org.bnnspark.nn.Network;
import org.bnnspark.nn.NetworkSpec;
import org.bnnspark.nn.SoftmaxCrossEntropy;
import org.bnnspark.train.RowBlock;

/**
 * Scores held-out blocks with a broadcast packed model and, optionally, with the training graph
 * in inference mode on the same rows, to measure accuracy and the agreement of the two.
 */
public final class PackedValidation {
  private static final int BATCH = 1024;

  private PackedValidation() {}

  /** Counts over the scored rows. {@code graph*} fields are 0 when the graph was not run. */
  public static final class Stats implements java.io.Serializable {
    public long rows;
    public long packedCorrect;
    public long graphCorrect;
    /** Rows where packed and graph predict the same class. */
    public long agreeing;
    /** Largest |packed logit − graph logit| over all rows and classes. */
    public double maxLogitDiff;

    Stats merge(Stats o) {
      rows += o.rows;
      packedCorrect += o.packedCorrect;
      graphCorrect += o.graphCorrect;
      agreeing += o.agreeing;
      maxLogitDiff = Math.max(maxLogitDiff, o.maxLogitDiff);
      return this;
    }

    public double packedAccuracy() {
      return (double) packedCorrect / Math.max(1, rows);
    }

    public double graphAccuracy() {
      return (double) graphCorrect / Math.max(1, rows);
    }
  }

  /**
   * Scores {@code blocks} with {@code model}; with {@code graph} (parameters and state of the
   * network {@code spec}) also with the training graph.
   */
  public static Stats run(JavaSparkContext jsc, JavaRDD<RowBlock> blocks, PackedModel model, NetworkSpec spec,
      ParamsSnapshot graph) {
    Broadcast<ScoringModel> bm = jsc.broadcast(ScoringModel.packed(model));
    Broadcast<ParamsSnapshot> bg = graph == null ? null : jsc.broadcast(graph);
    try {
      return blocks.mapPartitions(it -> {
        PackedScorer scorer = ExecutorCache.scorer(bm.value().packedModel());
        Network net = bg == null ? null : ExecutorCache.forSpec(spec).inference;
        List<RowBlock> list = TrainingData.toList(it);
        return Collections.singletonList(score(list, scorer, net, bg == null ? null : bg.value())).iterator();
      }).fold(new Stats(), Stats::merge);
    } finally {
      bm.destroy(true);
      if (bg != null) {
        bg.destroy(true);
      }
    }
  }

  static Stats score(List<RowBlock> blocks, PackedScorer scorer, Network net, ParamsSnapshot graph) {
    Stats st = new Stats();
    int k = scorer.model().classes();
    int f = scorer.model().inputSize();
    float[] packed = new float[BATCH * k];
    float[] reference = new float[BATCH * k];
    float[] x = new float[BATCH * f];
    for (RowBlock b : blocks) {
      for (int from = 0; from < b.rows; from += BATCH) {
        int n = Math.min(BATCH, b.rows - from);
        System.arraycopy(b.x, from * f, x, 0, n * f);
        scorer.logits(x, n, packed);
        if (net != null) {
          net.predictLogits(graph.params, graph.state, x, n, reference);
        }
        for (int r = 0; r < n; r++) {
          int label = b.labels[from + r];
          int p = SoftmaxCrossEntropy.argmax(packed, r * k, k);
          st.packedCorrect += p == label ? 1 : 0;
          if (net != null) {
            int g = SoftmaxCrossEntropy.argmax(reference, r * k, k);
            st.graphCorrect += g == label ? 1 : 0;
            st.agreeing += g == p ? 1 : 0;
            for (int j = r * k; j < (r + 1) * k; j++) {
              st.maxLogitDiff = Math.max(st.maxLogitDiff, Math.abs((double) packed[j] - reference[j]));
            }
          }
        }
        st.rows += n;
      }
    }
    return st;
  }
}
