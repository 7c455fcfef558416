package org.bnnspark.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.bnnspark.inference.ClassificationMetrics;
import org.bnnspark.train.EpochMetrics;
import org.junit.jupiter.api.Test;

class ReportTest {
  private static BufferedImage decode(byte[] png) throws IOException {
    BufferedImage img = ImageIO.read(new ByteArrayInputStream(png));
    assertNotNull(img, "not a PNG");
    return img;
  }

  private static List<EpochMetrics> epochs(int n, boolean withValidation) {
    List<EpochMetrics> l = new ArrayList<>();
    for (int e = 1; e <= n; e++) {
      l.add(new EpochMetrics(e, 1.0 / e, 0.8 + 0.01 * e, withValidation ? 0.85 + 0.01 * e : Double.NaN, 0.3 / e, 50 + e,
          1200 + e, 0.6));
    }
    return l;
  }

  @Test
  void chartsArePngsOfTheRequestedSize() throws IOException {
    BufferedImage img = decode(Charts.line("t", "x", "y").series("a", new double[] {1, 2, 3}, new double[] {3, Double.NaN, 5})
        .series("b", new double[] {1, 2}, new double[] {1, 2}).png(400, 250));
    assertEquals(400, img.getWidth());
    assertEquals(250, img.getHeight());
    assertEquals(3, Charts.line("t", "x", "y").logX().series("a", new double[] {10, 100, 1000}, new double[] {1, 2, 3}).chart()
        .getXYPlot().getDataset().getItemCount(0));
    // a NaN point (no validation set) is left out, not plotted at 0
    assertEquals(2, Charts.line("t", "x", "y").series("a", new double[] {1, 2, 3}, new double[] {3, Double.NaN, 5}).chart()
        .getXYPlot().getDataset().getItemCount(0));
    assertThrows(IllegalArgumentException.class, () -> Charts.line("t", "x", "y").series("a", new double[2], new double[3]));
  }

  @Test
  void reportEmbedsFourChartsTheEpochTableAndEscapesText() throws IOException {
    Map<String, String> facts = new LinkedHashMap<>();
    facts.put("data", "a<b>&c");
    String html = TrainingReport.html("run <1>", facts, epochs(3, false), "stage table", "{\"name\": \"<x>\"}");
    Matcher m = Pattern.compile("data:image/png;base64,([A-Za-z0-9+/=]+)").matcher(html);
    int images = 0;
    while (m.find()) {
      BufferedImage img = decode(Base64.getDecoder().decode(m.group(1)));
      assertEquals(TrainingReport.WIDTH, img.getWidth());
      images++;
    }
    assertEquals(4, images);
    assertEquals(3, html.split("<tr><td>", -1).length - 1, "one table row per epoch");
    assertTrue(html.contains("a&lt;b&gt;&amp;c"));
    assertTrue(html.contains("run &lt;1&gt;"));
    assertTrue(html.contains("&quot;&lt;x&gt;&quot;"));
    assertFalse(html.contains("<x>"));
    assertTrue(html.contains("<td>–</td>"), "no validation set shows as a dash");
    assertTrue(html.contains("stage table"));
    // while training runs there is no model summary yet, and no epochs before the first
    String early = TrainingReport.html("run", facts, List.of(), null, "{}");
    assertFalse(early.contains("data:image/png"));
    assertFalse(early.contains("Packed model"));
  }

  @Test
  void metricsLinesRoundTripWithAMissingValidationSet() {
    for (EpochMetrics e : epochs(2, true)) {
      EpochMetrics back = EpochMetrics.parse(e.toJson(), "test");
      assertEquals(e.epoch(), back.epoch());
      assertEquals(e.validationAccuracy(), back.validationAccuracy(), 1e-6);
      assertEquals(e.examplesPerSecond(), back.examplesPerSecond(), 0.1);
    }
    EpochMetrics none = epochs(1, false).get(0);
    assertTrue(none.toJson().contains("\"validation_accuracy\":null"), none.toJson());
    assertTrue(Double.isNaN(EpochMetrics.parse(none.toJson(), "test").validationAccuracy()));
  }

  @Test
  void confusionMatrixShadesCorrectCellsBlueErrorsRedAndEmptyCellsWhite() throws IOException {
    long[][] counts = {{50, 10, 0}, {0, 60, 0}, {5, 0, 40}};
    ClassificationMetrics metrics = new ClassificationMetrics(counts);
    BufferedImage img = decode(ConfusionMatrixImage.png(metrics, "test"));
    // cell centres: MARGIN 70, CELL 44, grid top 46 + 70; sample a corner of each cell, away from the count text
    java.util.function.BiFunction<Integer, Integer, Color> cell = (a, p) -> new Color(img.getRGB(70 + p * 44 + 4, 116 + a * 44 + 4));
    Color diag = cell.apply(0, 0);
    assertTrue(diag.getBlue() > diag.getRed() + 50, "diagonal is blue: " + diag);
    Color error = cell.apply(0, 1);
    assertTrue(error.getRed() > error.getBlue() + 20, "an error cell is red: " + error);
    assertEquals(Color.WHITE, cell.apply(0, 2), "no rows, no colour");
    // a larger share is darker: 10/60 of class 0 vs 5/45 of class 2
    assertTrue(error.getGreen() < cell.apply(2, 0).getGreen());
  }

  @Test
  void imageGridDrawsEachImageWithItsOwnScale() {
    double[][] images = {{0, 1, 0, 1}, {0, 100, 0, 100}};
    BufferedImage img = ImageGrid.render(images, 2, 2, new String[] {"a", "b"});
    assertEquals(2, img.getWidth() / (Math.max(2 * 3, 70) + 10));
    // the second pixel (max value) is black in both images although their scales differ 100×
    int cellW = Math.max(2 * 3, 70) + 10;
    assertEquals(Color.BLACK.getRGB(), img.getRGB(5 + 3, 5));
    assertEquals(Color.BLACK.getRGB(), img.getRGB(cellW + 5 + 3, 5));
    assertEquals(Color.WHITE.getRGB(), img.getRGB(cellW + 5, 5));
    assertThrows(IllegalArgumentException.class, () -> ImageGrid.render(new double[][] {{1, 2, 3}}, 2, 2, new String[] {"x"}));
  }
}
