package org.bnnspark.spark;

import org.bnnspark.nn.Network;
import org.bnnspark.nn.NetworkSpec;
import org.bnnspark.train.PartitionStep;

/**
 * Per task thread, the engine objects built for the current architecture, kept between tasks: an
 * executor runs hundreds of steps and should not rebuild networks and reallocate buffers for each.
 * Task threads are pooled by the executor, so a thread-local is reused across steps. And per JVM,
 * the gate that lets its first training task run alone ({@link #firstAlone}).
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

  private static final Object FIRST = new Object();
  private static volatile boolean warm;

  /**
   * Runs {@code task}; the first training task of this JVM runs alone, the other task threads
   * waiting for it. A JVM's first steps run the kernels in the interpreter and in C1 code, where
   * each Vector API operation is a Java fallback that allocates, until C2 has compiled them (about
   * 1.5 s of one thread's steps here, whatever the batch size: the compiler's time, not the data's).
   * With every task thread in that slow code at once, the compiler threads get a share of the cores
   * they would otherwise have to themselves: on {@code local[2]} with two cores the quick start's
   * first round took 2.7–4.0 s with both tasks running and 2.2 s with the first alone (1.8 s of it
   * the first task's; Spark's event log), and its first epoch 5.6 / 7.0 / 6.1 s without and
   * 5.3 / 5.9 / 5.5 s with (alternated runs). The tasks after it run compiled code. The results are
   * the same either way: only the order in time changes.
   */
  static <T> T firstAlone(java.util.function.Supplier<T> task) {
    if (!warm) {
      synchronized (FIRST) {
        if (!warm) {
          try {
            return task.get();
          } finally {
            warm = true;
          }
        }
      }
    }
    return task.get();
  }

  /** As a fresh JVM: the next task runs alone again (tests). */
  static void forgetWarmUp() {
    warm = false;
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
