package org.bnnspark.train;

import java.util.List;
import java.util.function.Consumer;

/**
 * Trains in one process. Its data may be split into partitions, which are computed one after the
 * other with exactly the per-partition code a Spark task runs ({@link SyncStrategy.RoundWork} over a
 * {@link PartitionStep}) and summed the same way ({@link StepSums}) in the same epoch loop
 * ({@link EpochLoop}): a K-partition local run is the reference a K-partition Spark run must
 * reproduce bit for bit, under every synchronization strategy.
 */
public final class LocalTrainer {
  private LocalTrainer() {}

  /** Runs the remaining epochs of {@code s}; {@code onEpoch} sees each epoch's metrics. */
  public static void train(TrainingState s, List<List<RowBlock>> partitions, List<RowBlock> validation,
      Consumer<EpochMetrics> onEpoch) {
    train(s, partitions, validation, PartitionStore.inMemory(), onEpoch, Integer.MAX_VALUE);
  }

  /** As above, with the residual store of compressed exchange, stopping after epoch {@code stopAfterEpoch}. */
  public static void train(TrainingState s, List<List<RowBlock>> partitions, List<RowBlock> validation,
      PartitionStore residuals, Consumer<EpochMetrics> onEpoch, int stopAfterEpoch) {
    long rows = 0;
    for (List<RowBlock> p : partitions) {
      rows += RowBlock.rows(p);
    }
    PartitionStep worker = new PartitionStep(s.network);
    Evaluation eval = new Evaluation(s.network);
    long validationRows = RowBlock.rows(validation);
    EpochLoop.run(s, rows, (work, down, round) -> {
      StepSums sums = new StepSums(s.network.paramCount(), s.network.stateCount());
      for (int k = 0; k < partitions.size(); k++) {
        work.run(worker, down, round, k, partitions.get(k), sums);
      }
      return sums;
    }, residuals, st -> validationRows == 0 ? Double.NaN : (double) eval.correct(st.params, st.state, validation) / validationRows,
        onEpoch::accept, stopAfterEpoch, Integer.MAX_VALUE);
  }
}
