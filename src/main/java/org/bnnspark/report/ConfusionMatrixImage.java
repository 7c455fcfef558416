package org.bnnspark.report;

import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;
import java.util.Locale;
import org.bnnspark.inference.ClassificationMetrics;

/**
 * The confusion matrix as a heat map: one cell per (actual, predicted) pair, shaded by its share of
 * the actual class (so a rare class's errors are as visible as a common one's), with the count
 * printed in the cell.
 */
public final class ConfusionMatrixImage {
  private static final int CELL = 44;
  private static final int MARGIN = 70;

  private ConfusionMatrixImage() {}

  public static BufferedImage render(ClassificationMetrics m, String title) {
    int k = m.classes();
    int size = MARGIN + k * CELL + 20;
    BufferedImage img = new BufferedImage(Math.max(size, 480), size + 46, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, img.getWidth(), img.getHeight());
      g.setColor(Color.BLACK);
      g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
      g.drawString(title, 10, 20);
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
      g.drawString(String.format(Locale.ROOT, "accuracy %.4f on %,d rows; shade = share of the actual class", m.accuracy(),
          m.rows()), 10, 38);
      int top = 46 + MARGIN;
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
      centered(g, "predicted", MARGIN + k * CELL / 2, 46 + 22);
      AffineTransform saved = g.getTransform();
      g.rotate(-Math.PI / 2);
      centered(g, "actual", -(top + k * CELL / 2), 22);
      g.setTransform(saved);
      Font cellFont = new Font(Font.SANS_SERIF, Font.PLAIN, k > 20 ? 8 : 11);
      for (int c = 0; c < k; c++) {
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        centered(g, Integer.toString(c), MARGIN + c * CELL + CELL / 2, top - 8);
        centered(g, Integer.toString(c), MARGIN - 18, top + c * CELL + CELL / 2 + 4);
      }
      g.setFont(cellFont);
      for (int a = 0; a < k; a++) {
        long support = Math.max(1, m.support(a));
        for (int p = 0; p < k; p++) {
          long n = m.count(a, p);
          double share = (double) n / support;
          // white → blue on the diagonal, white → red off it: errors stand out
          Color full = a == p ? new Color(0x1f4e9c) : new Color(0xc0392b);
          double t = n == 0 ? 0 : 0.08 + 0.92 * Math.sqrt(share);
          g.setColor(mix(Color.WHITE, full, t));
          int x = MARGIN + p * CELL;
          int y = top + a * CELL;
          g.fillRect(x, y, CELL, CELL);
          g.setColor(Color.LIGHT_GRAY);
          g.drawRect(x, y, CELL, CELL);
          if (n > 0) {
            g.setColor(t > 0.55 ? Color.WHITE : Color.BLACK);
            centered(g, Long.toString(n), x + CELL / 2, y + CELL / 2 + 4);
          }
        }
      }
    } finally {
      g.dispose();
    }
    return img;
  }

  public static byte[] png(ClassificationMetrics m, String title) {
    return Charts.png(render(m, title));
  }

  private static void centered(Graphics2D g, String s, int cx, int baseline) {
    FontMetrics fm = g.getFontMetrics();
    g.drawString(s, cx - fm.stringWidth(s) / 2, baseline);
  }

  private static Color mix(Color a, Color b, double t) {
    return new Color((int) Math.round(a.getRed() + (b.getRed() - a.getRed()) * t),
        (int) Math.round(a.getGreen() + (b.getGreen() - a.getGreen()) * t),
        (int) Math.round(a.getBlue() + (b.getBlue() - a.getBlue()) * t));
  }
}
