package org.bnnspark.train;

import java.util.List;
import java.util.function.Consumer;

/**
 * Trains in one process. Its data may be split into partitions, which are computed one after the
 * other with exactly the per-partition code a Spark task runs ({@link PartitionStep}) and summed
 * the same way ({@link StepSums}): a K-partition local run is the reference a K-partition Spark run
 * must reproduce bit for bit.
 */
public final class LocalTrainer {
  private LocalTrainer() {}

  /** Runs the remaining epochs of {@code s}; {@code onEpoch} sees each epoch's metrics. */
  public static void train(TrainingState s, List<List<RowBlock>> partitions, List<RowBlock> validation,
      Consumer<EpochMetrics> onEpoch) {
    long rows = 0;
    for (List<RowBlock> p : partitions) {
      rows += RowBlock.rows(p);
    }
    TrainingSpec t = s.config.training();
    int steps = BatchPlan.stepsPerEpoch(rows, t.batchSize());
    PartitionStep worker = new PartitionStep(s.network);
    Evaluation eval = new Evaluation(s.network);
    long validationRows = RowBlock.rows(validation);
    while (s.epoch < t.epochs()) {
      long start = System.nanoTime();
      double loss = 0;
      long correct = 0;
      long seen = 0;
      for (int step = s.stepInEpoch; step < steps; step++) {
        StepSums sums = new StepSums(s.network.paramCount(), s.network.stateCount());
        for (int k = 0; k < partitions.size(); k++) {
          worker.compute(s.params, s.state, partitions.get(k), t.seed(), s.epoch, step, steps, k, sums);
        }
        s.apply(sums, steps);
        loss += sums.lossSum();
        correct += sums.correct;
        seen += sums.count;
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      double flip = s.endEpoch();
      double valAcc = validationRows == 0 ? Double.NaN
          : (double) eval.correct(s.params, s.state, validation) / validationRows;
      onEpoch.accept(new EpochMetrics(s.epoch, loss / Math.max(1, seen), (double) correct / Math.max(1, seen), valAcc,
          flip, seconds, seen / seconds, 0));
    }
  }
}
