package org.bnnspark.train;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.Serializable;
import java.util.List;

/**
 * How the partitions of a data-parallel run combine their work: the extension point between "what
 * a partition computes" and "what the driver does with it", as Spark separates {@code Gradient}
 * from {@code Updater}. Training is a sequence of <b>rounds</b>; a round is one Spark job (in the
 * single-process reference, one pass over the partitions in order):
 * <pre>
 *   driver:      down = downlink(state)                       (broadcast once per round)
 *   partition k: work.run(worker, down, round, k, rows, sums) (adds into exact fixed-point sums)
 *   merge:       StepSums.merge                               (integer addition: order-free)
 *   driver:      apply(state, sums, round)                    (update, clip, re-binarize, advance)
 * </pre>
 * Everything a partition computes depends only on the downlink, the seed, the round's position and
 * the partition index (never on the task attempt), so a retried task adds the same sums; anything
 * a strategy keeps across rounds lives in the driver's state, written into every checkpoint
 * ({@link #writeState}), or — the error-feedback residuals of compressed exchange — in a
 * {@link PartitionStore} keyed by round and partition.
 *
 * <p>Implementations: {@link EveryStep} (one step per round: the exact mean gradient of the global
 * batch) and {@link LocalSteps} (H inner steps per round on each partition's own copy of the latent
 * weights, then an outer update of the averaged deltas, optionally sent as signs with error
 * feedback). Chosen by the configuration's {@link SyncSpec}.
 */
public interface SyncStrategy {
  SyncSpec spec();

  /** What the tasks of the next round need from the driver. */
  ParamsSnapshot downlink(TrainingState s);

  /** The partitions' side of a round, shipped to the tasks. */
  RoundWork work(TrainingSpec training, PartitionStore residuals);

  /** Applies a round's merged sums to the driver's state and advances its position by the round's steps. */
  void apply(TrainingState s, StepSums sums, Round round);

  /** The driver's state of the strategy (e.g. outer momentum), for checkpoints. */
  void writeState(DataOutputStream out) throws IOException;

  void readState(DataInputStream in) throws IOException;

  /**
   * One round's position: its index over the whole run (rounds completed before it), the epoch, the
   * first of its {@code steps} steps within the epoch, and the run's step count so far and in all
   * (for the learning-rate schedule).
   */
  record Round(long index, int epoch, int firstStep, int steps, int stepsPerEpoch, long globalStep, long totalSteps)
      implements Serializable {}

  /** A partition's share of a round; serializable, as Spark ships it inside the task. */
  interface RoundWork extends Serializable {
    void run(PartitionStep worker, ParamsSnapshot down, Round round, int partition, List<RowBlock> blocks, StepSums into);
  }
}
