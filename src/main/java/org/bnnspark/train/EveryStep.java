package org.bnnspark.train;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.util.List;

/**
 * One step per round: each partition computes the gradient sums of its share of the global batch
 * against the broadcast latent weights, the driver divides their exact sum by the batch size and
 * applies the optimizer ({@link TrainingState#apply}). Bit for bit the single-process gradient of
 * the same examples; the driver receives every partition's full gradient every step.
 */
public final class EveryStep implements SyncStrategy {
  @Override
  public SyncSpec spec() {
    return SyncSpec.EVERY_STEP;
  }

  @Override
  public ParamsSnapshot downlink(TrainingState s) {
    return new ParamsSnapshot(s.params, s.state);
  }

  @Override
  public RoundWork work(TrainingSpec training, PartitionStore residuals) {
    return new Work(training.seed());
  }

  private record Work(long seed) implements RoundWork {
    @Override
    public void run(PartitionStep worker, ParamsSnapshot down, Round round, int partition, List<RowBlock> blocks, StepSums into) {
      worker.compute(down.params, down.state, blocks, seed, round.epoch(), round.firstStep(), round.stepsPerEpoch(), partition, into);
    }
  }

  @Override
  public void apply(TrainingState s, StepSums sums, Round round) {
    s.apply(sums, round.stepsPerEpoch());
  }

  @Override
  public void writeState(DataOutputStream out) {}

  @Override
  public void readState(DataInputStream in) {}
}
