package org.bnnspark.train;

import java.util.Locale;

/**
 * One line of {@code metrics.jsonl}: how an epoch went.
 *
 * @param overheadShare share of the epoch's wall time spent outside the partitions' gradient
 *     computation (scheduling, broadcast, aggregation, optimizer step on the driver)
 */
public record EpochMetrics(int epoch, double trainLoss, double trainAccuracy, double validationAccuracy, double flipRatio,
    double seconds, double examplesPerSecond, double overheadShare) {

  public String toJson() {
    return String.format(Locale.ROOT,
        "{\"epoch\":%d,\"train_loss\":%.6f,\"train_accuracy\":%.6f,\"validation_accuracy\":%.6f,\"flip_ratio\":%.6f,"
            + "\"seconds\":%.3f,\"examples_per_second\":%.1f,\"overhead_share\":%.4f}",
        epoch, trainLoss, trainAccuracy, validationAccuracy, flipRatio, seconds, examplesPerSecond, overheadShare);
  }

  public String toLine() {
    return String.format(Locale.ROOT,
        "epoch %d: loss=%.4f train_acc=%.4f val_acc=%.4f flip=%.4f time=%.1fs %.0f ex/s overhead=%.1f%%",
        epoch, trainLoss, trainAccuracy, validationAccuracy, flipRatio, seconds, examplesPerSecond, 100 * overheadShare);
  }
}
