package org.bnnspark.report;

import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.bnnspark.train.EpochMetrics;

/**
 * {@code report.html} of a training run: one self-contained page (charts embedded as PNG data URIs,
 * so it opens from HDFS/S3 downloads and CI artifacts alike) with the learning curves, flip ratio
 * and throughput per epoch, the epoch table, the model summary and the configuration.
 */
public final class TrainingReport {
  static final int WIDTH = 560;
  static final int HEIGHT = 320;

  private TrainingReport() {}

  /**
   * @param facts run facts in display order (data, master, timings, final accuracy…)
   * @param modelSummary the packed model's summary table, or null while training is still running
   */
  public static String html(String title, Map<String, String> facts, List<EpochMetrics> epochs, String modelSummary,
      String configText) {
    StringBuilder h = new StringBuilder(64 * 1024);
    h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>").append(esc(title))
        .append("</title>\n<style>body{font-family:sans-serif;margin:2em;max-width:1200px}"
            + "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}"
            + "th{background:#f3f3f3}td.k{text-align:left;font-weight:bold}pre{background:#f7f7f7;padding:1em;overflow:auto}"
            + "img{margin:4px;border:1px solid #eee}</style></head><body>\n");
    h.append("<h1>").append(esc(title)).append("</h1>\n<table>\n");
    facts.forEach((k, v) -> h.append("<tr><td class=\"k\">").append(esc(k)).append("</td><td style=\"text-align:left\">")
        .append(esc(v)).append("</td></tr>\n"));
    h.append("</table>\n");

    if (!epochs.isEmpty()) {
      h.append("<h2>Learning curves</h2>\n<div>\n");
      for (byte[] png : charts(epochs)) {
        h.append("<img alt=\"chart\" src=\"data:image/png;base64,").append(Base64.getEncoder().encodeToString(png))
            .append("\">\n");
      }
      h.append("</div>\n<h2>Epochs</h2>\n<table>\n<tr><th>epoch</th><th>train loss</th><th>train accuracy</th>"
          + "<th>validation accuracy</th><th>flip ratio</th><th>seconds</th><th>examples/s</th><th>outside compute</th></tr>\n");
      for (EpochMetrics m : epochs) {
        h.append(String.format(Locale.ROOT,
            "<tr><td>%d</td><td>%.4f</td><td>%.4f</td><td>%s</td><td>%.4f</td><td>%.1f</td><td>%.0f</td><td>%.1f%%</td></tr>%n",
            m.epoch(), m.trainLoss(), m.trainAccuracy(),
            Double.isNaN(m.validationAccuracy()) ? "–" : String.format(Locale.ROOT, "%.4f", m.validationAccuracy()),
            m.flipRatio(), m.seconds(), m.examplesPerSecond(), 100 * m.overheadShare()));
      }
      h.append("</table>\n");
    }
    if (modelSummary != null) {
      h.append("<h2>Packed model</h2>\n<pre>").append(esc(modelSummary)).append("</pre>\n");
    }
    h.append("<h2>Configuration</h2>\n<pre>").append(esc(configText)).append("</pre>\n</body></html>\n");
    return h.toString();
  }

  /** The report's charts: loss, accuracies, flip ratio, throughput — one PNG each. */
  public static List<byte[]> charts(List<EpochMetrics> epochs) {
    int n = epochs.size();
    double[] x = new double[n];
    double[] loss = new double[n];
    double[] trainAcc = new double[n];
    double[] valAcc = new double[n];
    double[] flip = new double[n];
    double[] rate = new double[n];
    for (int i = 0; i < n; i++) {
      EpochMetrics m = epochs.get(i);
      x[i] = m.epoch();
      loss[i] = m.trainLoss();
      trainAcc[i] = m.trainAccuracy();
      valAcc[i] = m.validationAccuracy();
      flip[i] = m.flipRatio();
      rate[i] = m.examplesPerSecond();
    }
    return List.of(
        Charts.line("Training loss", "epoch", "softmax cross-entropy").integerX().series("train", x, loss).png(WIDTH, HEIGHT),
        Charts.line("Accuracy", "epoch", "accuracy").integerX().series("train (latent, in training)", x, trainAcc)
            .series("validation (packed XNOR model)", x, valAcc).png(WIDTH, HEIGHT),
        Charts.line("Flip ratio", "epoch", "share of binary weights that changed sign").integerX()
            .series("flip ratio", x, flip).png(WIDTH, HEIGHT),
        Charts.line("Throughput", "epoch", "training examples / s").integerX().series("examples/s", x, rate)
            .png(WIDTH, HEIGHT));
  }

  static String esc(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
  }
}
