package org.bnnspark.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.text.DecimalFormat;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * Line charts as PNG bytes (JFreeChart, headless): learning curves in training reports, throughput
 * curves in notebooks. A builder so a call site reads as the chart it draws.
 */
public final class Charts {
  static {
    // Reports are drawn on drivers and CI machines without a display.
    if (System.getProperty("java.awt.headless") == null) {
      System.setProperty("java.awt.headless", "true");
    }
  }

  private static final Color[] PALETTE = {
      new Color(0x1f77b4), new Color(0xff7f0e), new Color(0x2ca02c), new Color(0xd62728), new Color(0x9467bd)};

  private final String title;
  private final String xLabel;
  private final String yLabel;
  private final List<XYSeries> series = new ArrayList<>();
  private boolean logX;
  private boolean integerX;

  private Charts(String title, String xLabel, String yLabel) {
    this.title = title;
    this.xLabel = xLabel;
    this.yLabel = yLabel;
  }

  /** A line chart with the given title and axis labels. */
  public static Charts line(String title, String xLabel, String yLabel) {
    return new Charts(title, xLabel, yLabel);
  }

  /** Adds a named series; NaN values (e.g. no validation set) are left out. */
  public Charts series(String name, double[] x, double[] y) {
    if (x.length != y.length) {
      throw new IllegalArgumentException("series " + name + ": " + x.length + " x values but " + y.length + " y values");
    }
    XYSeries s = new XYSeries(name, false, true);
    for (int i = 0; i < x.length; i++) {
      if (Double.isFinite(x[i]) && Double.isFinite(y[i])) {
        s.add(x[i], y[i]);
      }
    }
    series.add(s);
    return this;
  }

  /** Logarithmic x axis (e.g. dataset sizes spanning decades). */
  public Charts logX() {
    this.logX = true;
    return this;
  }

  /** Integer ticks on the x axis (epochs). */
  public Charts integerX() {
    this.integerX = true;
    return this;
  }

  public JFreeChart chart() {
    XYSeriesCollection data = new XYSeriesCollection();
    series.forEach(data::addSeries);
    JFreeChart chart = ChartFactory.createXYLineChart(title, xLabel, yLabel, data, PlotOrientation.VERTICAL,
        series.size() > 1, false, false);
    chart.setBackgroundPaint(Color.WHITE);
    XYPlot plot = chart.getXYPlot();
    plot.setBackgroundPaint(Color.WHITE);
    plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
    plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
    XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
    for (int i = 0; i < series.size(); i++) {
      renderer.setSeriesPaint(i, PALETTE[i % PALETTE.length]);
      renderer.setSeriesStroke(i, new BasicStroke(2f));
    }
    plot.setRenderer(renderer);
    if (logX) {
      LogAxis axis = new LogAxis(xLabel);
      axis.setBase(10);
      axis.setSmallestValue(1);
      // one tick per decade, written as plain numbers (10,000 rather than 10^4.0)
      axis.setTickUnit(new NumberTickUnit(1.0));
      axis.setNumberFormatOverride(new DecimalFormat("#,##0"));
      plot.setDomainAxis(axis);
    } else if (integerX) {
      ((NumberAxis) plot.getDomainAxis()).setStandardTickUnits(NumberAxis.createIntegerTickUnits());
    }
    ((NumberAxis) plot.getRangeAxis()).setAutoRangeIncludesZero(false);
    return chart;
  }

  public BufferedImage image(int width, int height) {
    return chart().createBufferedImage(width, height);
  }

  public byte[] png(int width, int height) {
    return png(image(width, height));
  }

  /** PNG bytes of an image. */
  public static byte[] png(BufferedImage image) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      ImageIO.write(image, "png", out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }
}
