package org.bnnspark.spark;

import org.bnnspark.inference.PackedModel;
import org.bnnspark.inference.PackedScorer;
import org.bnnspark.nn.Network;
import org.bnnspark.nn.NetworkSpec;
import org.bnnspark.train.ModelConfig;

/**
 * What a scoring task runs, broadcast once per job: the packed XNOR model (the default engine), or
 * the trained network in float through the training graph (the {@code float} engine: the baseline
 * the benchmarks compare against, and a cross-check of the packed model).
 */
public final class ScoringModel {
  final PackedModel packed;
  final ModelConfig config;
  final float[] params;
  final float[] state;

  private ScoringModel(PackedModel packed, ModelConfig config, float[] params, float[] state) {
    this.packed = packed;
    this.config = config;
    this.params = params;
    this.state = state;
  }

  public static ScoringModel packed(PackedModel model) {
    return new ScoringModel(model, null, null, null);
  }

  public static ScoringModel graph(ModelConfig config, float[] params, float[] state) {
    return new ScoringModel(null, config, params, state);
  }

  /** {@code packed} or {@code float}. */
  public String engine() {
    return packed != null ? "packed" : "float";
  }

  public PackedModel packedModel() {
    return packed;
  }

  /** The input scale and sizes the readers need. */
  public NetworkSpec inputSpec() {
    return packed != null ? packed.inputSpec() : config.network();
  }

  public int classes() {
    return inputSpec().classes();
  }

  /** Batch logits of one thread. */
  public interface Logits {
    void logits(float[] x, int n, float[] out);
  }

  /** A per-thread scorer (buffers included). */
  Logits newLogits() {
    if (packed != null) {
      PackedScorer s = ExecutorCache.scorer(packed);
      return s::logits;
    }
    Network net = ExecutorCache.forSpec(config.network()).inference;
    return (x, n, out) -> net.predictLogits(params, state, x, n, out);
  }
}
