package org.bnnspark.notebook;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import org.bnnspark.report.Charts;

/**
 * Rich output from notebook cells: images and HTML.
 *
 * <ul>
 *   <li>in a Jupyter kernel built on JJava's kernel library ({@link JavaKernel}, or JJava itself), the
 *       kernel's own {@code display}: a {@code display_data} output of the cell;</li>
 *   <li>anywhere else (plain JShell), the content is saved to a temporary file whose path is printed.</li>
 * </ul>
 */
public final class Display {
  private static final String KERNEL = "org.dflib.jjava.jupyter.kernel.BaseKernel";
  private static final String DATA = "org.dflib.jjava.jupyter.kernel.display.DisplayData";

  private Display() {}

  public static void image(BufferedImage image) {
    png(Charts.png(image));
  }

  public static void chart(Charts chart) {
    png(chart.png(640, 360));
  }

  public static void png(byte[] png) {
    show("image/png", png, ".png");
  }

  public static void html(String html) {
    show("text/html", html.getBytes(java.nio.charset.StandardCharsets.UTF_8), ".html");
  }

  private static void show(String mime, byte[] content, String suffix) {
    // a Jupyter kernel's DisplayData takes images as base64, text as itself
    Object payload = mime.startsWith("image/") ? Base64.getEncoder().encodeToString(content)
        : new String(content, java.nio.charset.StandardCharsets.UTF_8);
    if (kernelDisplay(mime, payload)) {
      return;
    }
    try {
      Path file = Files.createTempFile("bnn-display-", suffix);
      Files.write(file, content);
      System.out.println("(" + mime + " written to " + file + ")");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Calls the running kernel's display ({@code BaseKernel.notebookKernel()}), if there is one. */
  private static boolean kernelDisplay(String mime, Object payload) {
    try {
      Class<?> kernelClass = Class.forName(KERNEL);
      Object kernel = kernelClass.getMethod("notebookKernel").invoke(null);
      if (kernel == null) {
        return false;
      }
      Class<?> dataClass = Class.forName(DATA);
      Object data = dataClass.getConstructor().newInstance();
      dataClass.getMethod("putData", String.class, Object.class).invoke(data, mime, payload);
      kernelClass.getMethod("display", dataClass).invoke(kernel, data);
      return true;
    } catch (ReflectiveOperationException | LinkageError e) {
      return false; // no kernel library on the classpath
    }
  }
}
