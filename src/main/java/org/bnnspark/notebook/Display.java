package org.bnnspark.notebook;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import org.bnnspark.report.Charts;

/**
 * Rich output from notebook cells: images and HTML.
 *
 * <ul>
 *   <li>under {@link NotebookRunner} (system property {@value #RUNNER_PROPERTY}), a marker line the
 *       runner turns into a {@code display_data} output of the saved notebook;</li>
 *   <li>in a Jupyter Java kernel (JJava, or its predecessor IJava), the kernel's own {@code display};</li>
 *   <li>anywhere else (plain JShell), the image is saved to a temporary file whose path is printed.</li>
 * </ul>
 */
public final class Display {
  /** Set by the runner in the JVM that executes the cells. */
  public static final String RUNNER_PROPERTY = "bnn.notebook.runner";
  /** Prefix of the marker line: {@code MARKER + mime + ' ' + base64 payload}. */
  public static final String MARKER = "\u001b[bnn-display] ";

  private static final String[][] KERNELS = {
      {"org.dflib.jjava.JJava", "org.dflib.jjava.jupyter.kernel.display.DisplayData"},
      {"io.github.spencerpark.ijava.IJava", "io.github.spencerpark.jupyter.kernel.display.DisplayData"},
  };

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
    if (Boolean.getBoolean(RUNNER_PROPERTY)) {
      System.out.flush();
      System.out.println(MARKER + mime + " " + Base64.getEncoder().encodeToString(content));
      System.out.flush();
      return;
    }
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

  /** Calls the running Jupyter Java kernel's display, if there is one. */
  private static boolean kernelDisplay(String mime, Object payload) {
    for (String[] k : KERNELS) {
      try {
        Object kernel = Class.forName(k[0]).getMethod("getKernelInstance").invoke(null);
        if (kernel == null) {
          continue;
        }
        Class<?> dataClass = Class.forName(k[1]);
        Object data = dataClass.getConstructor().newInstance();
        dataClass.getMethod("putData", String.class, Object.class).invoke(data, mime, payload);
        Method display = kernel.getClass().getMethod("display", dataClass);
        display.invoke(kernel, data);
        return true;
      } catch (ReflectiveOperationException | LinkageError e) {
        // not this kernel
      }
    }
    return false;
  }
}
