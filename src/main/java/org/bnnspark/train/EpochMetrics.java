package org.bnnspark.train;

import java.util.Locale;
import org.bnnspark.nn.ConfigNode;

/**
 * One line of {@code metrics.jsonl}: how an epoch went.
 *
 * @param validationAccuracy NaN without a held-out set (written as JSON null)
 * @param overheadShare share of the epoch's wall time spent outside the partitions' gradient
 *     computation (scheduling, broadcast, aggregation, optimizer step on the driver)
 */
public record EpochMetrics(int epoch, double trainLoss, double trainAccuracy, double validationAccuracy, double flipRatio,
    double seconds, double examplesPerSecond, double overheadShare) {

  public String toJson() {
    return String.format(Locale.ROOT,
        "{\"epoch\":%d,\"train_loss\":%s,\"train_accuracy\":%s,\"validation_accuracy\":%s,\"flip_ratio\":%s,"
            + "\"seconds\":%s,\"examples_per_second\":%s,\"overhead_share\":%s}",
        epoch, json(trainLoss, 6), json(trainAccuracy, 6), json(validationAccuracy, 6), json(flipRatio, 6),
        json(seconds, 3), json(examplesPerSecond, 1), json(overheadShare, 4));
  }

  /** Reads a line written by {@link #toJson()} (a resumed run's earlier epochs). */
  public static EpochMetrics parse(String line, String source) {
    ConfigNode n = ConfigNode.parse(line, source);
    return new EpochMetrics(n.positiveInt("epoch"), n.measured("train_loss"), n.measured("train_accuracy"),
        n.measured("validation_accuracy"), n.measured("flip_ratio"), n.measured("seconds"),
        n.measured("examples_per_second"), n.measured("overhead_share"));
  }

  private static String json(double v, int decimals) {
    return Double.isFinite(v) ? String.format(Locale.ROOT, "%." + decimals + "f", v) : "null";
  }

  public String toLine() {
    return String.format(Locale.ROOT,
        "epoch %d: loss=%.4f train_acc=%.4f val_acc=%.4f flip=%.4f time=%.1fs %.0f ex/s overhead=%.1f%%",
        epoch, trainLoss, trainAccuracy, validationAccuracy, flipRatio, seconds, examplesPerSecond, 100 * overheadShare);
  }
}
