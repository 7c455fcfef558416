package org.bnnspark.spark.ml;

import java.io.Serializable;
import java.util.List;
import org.bnnspark.inference.ModelSummary;
import org.bnnspark.train.EpochMetrics;
import org.bnnspark.train.ModelConfig;

/**
 * What a {@link BnnClassifier} fit did, as Spark's classifiers offer a training summary: the
 * configuration it trained (with the Params' overrides), each epoch's metrics (loss, training
 * accuracy, flip ratio, time, examples/s), and the packed model's size against float32. Kept by the
 * fitted model in memory; like Spark's, it is not saved with the model ({@code hasSummary()} is false
 * after a load).
 *
 * @param config the configuration trained, overrides applied
 * @param epochs per-epoch metrics, in order
 * @param totals the packed model's parameter counts and sizes
 * @param description the packed model's per-stage table (what {@code jobs/inspect.sh} prints)
 */
public record BnnTrainingSummary(ModelConfig config, List<EpochMetrics> epochs, ModelSummary.Totals totals, String description)
    implements Serializable {
  public BnnTrainingSummary {
    epochs = List.copyOf(epochs);
  }

  /** Training loss per epoch (Spark's {@code objectiveHistory}). */
  public double[] objectiveHistory() {
    return epochs.stream().mapToDouble(EpochMetrics::trainLoss).toArray();
  }

  public int totalEpochs() {
    return epochs.size();
  }

  /** Bytes of the packed model's parameters. */
  public long packedBytes() {
    return totals.packedBytes();
  }

  /** Bytes the same parameters take as float32. */
  public long float32Bytes() {
    return totals.float32Bytes();
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder(config.name()).append(": ").append(epochs.size()).append(" epochs\n");
    epochs.forEach(e -> sb.append(e.toLine()).append('\n'));
    return sb.append(description).toString();
  }
}
