package org.bnnspark.report;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;

/**
 * Small grey-scale images (e.g. MNIST digits) in a row, each with a caption such as its predicted
 * and true label; each image is scaled to its own min..max so any feature scaling shows.
 */
public final class ImageGrid {
  private static final int SCALE = 3;

  private ImageGrid() {}

  public static BufferedImage render(double[][] images, int height, int width, String[] captions) {
    int cellW = Math.max(width * SCALE, 70) + 10;
    int cellH = height * SCALE + 34;
    BufferedImage img = new BufferedImage(Math.max(1, images.length) * cellW, cellH, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, img.getWidth(), img.getHeight());
      g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
      for (int i = 0; i < images.length; i++) {
        double[] px = images[i];
        if (px.length != height * width) {
          throw new IllegalArgumentException("image " + i + " has " + px.length + " values, expected " + height + "×" + width);
        }
        double lo = Double.MAX_VALUE;
        double hi = -Double.MAX_VALUE;
        for (double v : px) {
          lo = Math.min(lo, v);
          hi = Math.max(hi, v);
        }
        double span = hi > lo ? hi - lo : 1;
        int x0 = i * cellW + 5;
        for (int r = 0; r < height; r++) {
          for (int c = 0; c < width; c++) {
            int grey = 255 - (int) Math.round(255 * (px[r * width + c] - lo) / span);
            g.setColor(new Color(grey, grey, grey));
            g.fillRect(x0 + c * SCALE, 5 + r * SCALE, SCALE, SCALE);
          }
        }
        g.setColor(Color.BLACK);
        g.drawString(captions[i], x0, height * SCALE + 24);
      }
    } finally {
      g.dispose();
    }
    return img;
  }
}
