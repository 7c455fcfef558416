package org.bnnspark.spark;

import org.bnnspark.nn.Network;
import org.bnnspark.nn.NetworkSpec;
import org.bnnspark.train.Evaluation;
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
  final Evaluation evaluation;

  private ExecutorCache(NetworkSpec spec) {
    this.spec = spec;
    this.step = new PartitionStep(new Network(spec));
    this.evaluation = new Evaluation(new Network(spec));
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
