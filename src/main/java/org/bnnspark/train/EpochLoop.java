package org.bnnspark.train;

import java.util.function.ToDoubleFunction;

/**
 * The one epoch loop of every trainer. An epoch is cut into rounds of the strategy's H steps (the
 * last one shorter; a round never crosses an epoch's end); for each round the loop takes the
 * strategy's downlink, has {@link Rounds} compute every partition's share — in a Spark job, or one
 * partition after the other in this process — and applies the merged sums. At the end of an epoch
 * it computes the flip ratio, validates and hands the state to the checkpoint callback.
 *
 * <p>Per-partition state (error-feedback residuals, inner optimizer state) is kept for the current
 * round and for the starts of the last {@code keepEpochs} epochs (what the checkpoints refer to);
 * older rounds' is discarded.
 */
public final class EpochLoop {
  private EpochLoop() {}

  /** Computes one round over all partitions and returns the merged sums. */
  public interface Rounds {
    StepSums run(SyncStrategy.RoundWork work, ParamsSnapshot down, SyncStrategy.Round round);
  }

  /** What the loop reports. */
  public interface Listener {
    /** After every round: position, examples so far in the epoch, seconds since its start, mean loss of the round. */
    default void onRound(int epoch, int step, int steps, long examples, double seconds, double loss) {}

    void onEpoch(EpochMetrics metrics);

    /** After {@link #onEpoch}: the state to checkpoint. */
    default void onCheckpoint(TrainingState s) {}
  }

  /**
   * Runs the epochs of {@code s} that remain, up to {@code stopAfterEpoch}.
   *
   * @param validate accuracy of the current state on held-out rows, NaN without them
   */
  public static void run(TrainingState s, long rows, Rounds rounds, PartitionStore store,
      ToDoubleFunction<TrainingState> validate, Listener listener, int stopAfterEpoch, int keepEpochs) {
    TrainingSpec t = s.config.training();
    SyncSpec sync = s.sync.spec();
    int steps = BatchPlan.stepsPerEpoch(rows, t.batchSize());
    long totalSteps = (long) t.epochs() * steps;
    SyncStrategy.RoundWork work = s.sync.work(t, store);
    java.util.ArrayDeque<Long> epochStarts = new java.util.ArrayDeque<>();
    while (s.epoch < Math.min(t.epochs(), stopAfterEpoch)) {
      long start = System.nanoTime();
      long computeNanos = 0;
      double loss = 0;
      long correct = 0;
      long seen = 0;
      long firstRound = s.round;
      epochStarts.addLast(firstRound);
      while (s.stepInEpoch < steps) {
        SyncStrategy.Round round = new SyncStrategy.Round(s.round, s.epoch, s.stepInEpoch, sync.roundSteps(s.stepInEpoch, steps),
            steps, s.globalStep, totalSteps);
        StepSums sums = rounds.run(work, s.sync.downlink(s), round);
        s.sync.apply(s, sums, round);
        if (sync.keepsPartitionState() && round.index() != firstRound) {
          store.discard(round.index());
        }
        computeNanos += sums.maxComputeNanos;
        loss += sums.lossSum();
        correct += sums.correct;
        seen += sums.count;
        listener.onRound(s.epoch + 1, s.stepInEpoch, steps, seen, (System.nanoTime() - start) / 1e9,
            sums.lossSum() / Math.max(1, sums.count));
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      double flip = s.endEpoch();
      double valAcc = validate.applyAsDouble(s);
      double overhead = seconds <= 0 ? 0 : Math.max(0, 1 - computeNanos / 1e9 / seconds);
      listener.onEpoch(new EpochMetrics(s.epoch, loss / Math.max(1, seen), (double) correct / Math.max(1, seen), valAcc,
          flip, seconds, seen / seconds, overhead));
      listener.onCheckpoint(s);
      while (sync.keepsPartitionState() && epochStarts.size() > keepEpochs) {
        store.discard(epochStarts.removeFirst());
      }
    }
  }
}
