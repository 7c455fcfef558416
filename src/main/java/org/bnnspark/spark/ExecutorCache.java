package org.bnnspark.spark;

import org.bnnspark.nn.Network;
import org.bnnspark.nn.NetworkSpec;
import org.bnnspark.train.PartitionStep;

/**
 * Per task thread, the engine objects built for the current architecture, kept between tasks: an
 * executor runs hundreds of steps and should not rebuild networks and reallocate buffers for each.
 * Task threads are pooled by the executor, so a thread-local is reused across steps.
 */
final class ExecutorCache {
  private static final ThreadLocal<ExecutorCache> CACHE = new ThreadLocal<>();
  private final NetworkSpec spec;
  final PartitionStep step;
  /** A network for inference-mode scoring (the training graph, for comparisons with the packed model). */
  final Network inference;

  private ExecutorCache(NetworkSpec spec) {
    this.spec = spec;
    this.step = new PartitionStep(new Network(spec));
    this.inference = new Network(spec);
  }

  private static final ThreadLocal<org.bnnspark.inference.PackedScorer> SCORER = new ThreadLocal<>();

  /**
   * This thread's scorer for {@code model}: a broadcast value is one object per executor, so the
   * scorer (with its expanded first-layer weights and buffers) is built once per thread and model.
   */
  static org.bnnspark.inference.PackedScorer scorer(org.bnnspark.inference.PackedModel model) {
    org.bnnspark.inference.PackedScorer s = SCORER.get();
    if (s == null || s.model() != model) {
      s = model.newScorer();
      SCORER.set(s);
    }
    return s;
  }

  static ExecutorCache forSpec(NetworkSpec spec) {
    ExecutorCache c = CACHE.get();
    if (c == null || !c.spec.equals(spec)) {
      c = new ExecutorCache(spec);
      CACHE.set(c);
    }
    return c;
  }
}
