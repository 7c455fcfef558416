package org.bnnspark.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The notebooks run top to bottom in Jupyter — {@code jupyter nbconvert --execute} through the
 * project's kernel ({@code notebooks/install-kernel.sh}, {@code notebooks/run.sh}) — on real MNIST,
 * and the saved notebooks carry their outputs, images included; the kernel's behaviour cell by cell.
 */
class NotebooksIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir
  Path tmp;

  private static List<JsonNode> codeCells(Path notebook) throws Exception {
    List<JsonNode> cells = new ArrayList<>();
    JSON.readTree(notebook.toFile()).get("cells").forEach(c -> {
      if (c.get("cell_type").asText().equals("code")) {
        cells.add(c);
      }
    });
    return cells;
  }

  private static String text(JsonNode cell) {
    StringBuilder b = new StringBuilder();
    for (JsonNode o : cell.get("outputs")) {
      o.path("text").forEach(l -> b.append(l.asText()));
      o.path("data").path("text/plain").forEach(l -> b.append(l.asText()));
      o.path("data").path("text/html").forEach(l -> b.append(l.asText()));
    }
    return b.toString();
  }

  /** The cell's execute_result as text. */
  private static String result(JsonNode cell) {
    for (JsonNode o : cell.get("outputs")) {
      if (o.get("output_type").asText().equals("execute_result")) {
        StringBuilder b = new StringBuilder();
        o.path("data").path("text/plain").forEach(l -> b.append(l.asText()));
        return b.toString();
      }
    }
    return "(no result)";
  }

  /** Decodes every image output of the cells; returns how many there were. */
  private static int images(List<JsonNode> cells) throws Exception {
    int n = 0;
    for (JsonNode c : cells) {
      for (JsonNode o : c.get("outputs")) {
        if (o.path("data").has("image/png")) {
          assertNotNull(ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(o.get("data").get("image/png").asText()))));
          n++;
        }
      }
    }
    return n;
  }

  /** Every code cell ran, in order, without an error output. */
  private static void ranCleanly(List<JsonNode> cells) {
    for (int i = 0; i < cells.size(); i++) {
      JsonNode c = cells.get(i);
      assertEquals(i + 1, c.get("execution_count").asInt(), "cell " + (i + 1) + " ran");
      for (JsonNode o : c.get("outputs")) {
        assertTrue(!o.get("output_type").asText().equals("error"), "cell " + (i + 1) + ": " + o);
      }
    }
  }

  private static JobRunner.Result run(Path out, String notebook) throws Exception {
    return JobRunner.run(Map.of(), "notebooks/run.sh", "--output", out.toString(), notebook);
  }

  /** jupyter nbconvert --execute through the kernel notebooks/run.sh installs, errors kept in the output. */
  private static JobRunner.Result nbconvert(Path out, Path notebook, String... options) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("jupyter", "nbconvert", "--to", "notebook", "--execute", "--allow-errors",
        "--ExecutePreprocessor.kernel_name=java", "--output-dir", out.toString()));
    cmd.addAll(List.of(options));
    cmd.add(notebook.toString());
    return JobRunner.run(Map.of(), cmd.toArray(new String[0]));
  }

  @Test
  void theKernelGivesValuesStreamsImagesAndErrorsAndSurvivesAnInterrupt() throws Exception {
    Path nb = tmp.resolve("t.ipynb");
    Files.writeString(nb, """
        {"nbformat": 4, "nbformat_minor": 5, "metadata": {"kernelspec": {"name": "java", "display_name": "Java", "language": "java"}},
         "cells": [
         {"cell_type": "markdown", "id": "m", "metadata": {}, "source": ["# test"]},
         {"cell_type": "code", "id": "a", "metadata": {}, "execution_count": null, "outputs": [],
          "source": ["int x = 41;\\n", "System.out.println(\\"hello\\");\\n", "System.err.println(\\"careful\\");\\n", "x + 1"]},
         {"cell_type": "code", "id": "b", "metadata": {}, "execution_count": null, "outputs": [],
          "source": "org.bnnspark.notebook.Display.chart(org.bnnspark.report.Charts.line(\\"t\\", \\"x\\", \\"y\\").series(\\"s\\", new double[] {1, 2}, new double[] {3, 4}));\\nx"},
         {"cell_type": "code", "id": "c", "metadata": {}, "execution_count": null, "outputs": [],
          "source": ["void f() {\\n", "  throw new IllegalStateException(\\"boom\\");\\n", "}\\n", "f();"]},
         {"cell_type": "code", "id": "d", "metadata": {}, "execution_count": null, "outputs": [], "source": ["int y = \\"text\\";"]},
         {"cell_type": "code", "id": "e", "metadata": {}, "execution_count": null, "outputs": [],
          "source": ["var spark = org.apache.spark.sql.SparkSession.builder().master(\\"local[2]\\").config(\\"spark.ui.enabled\\", \\"false\\").getOrCreate();\\n",
                     "var jsc = org.apache.spark.api.java.JavaSparkContext.fromSparkContext(spark.sparkContext());\\n",
                     "int sum = jsc.parallelize(java.util.List.of(1, 2, 3, 4), 2).map(v -> v * x).reduce(Integer::sum);\\n",
                     "spark.stop();\\n", "sum"]},
         {"cell_type": "code", "id": "f", "metadata": {}, "execution_count": null, "outputs": [], "source": ["while (true) { Thread.sleep(50); }"]},
         {"cell_type": "code", "id": "g", "metadata": {}, "execution_count": null, "outputs": [], "source": ["\\"still here\\""]}
        ]}
        """);
    JobRunner.Result install = JobRunner.run(Map.of(), "notebooks/install-kernel.sh");
    assertEquals(0, install.exitCode(), install.stderr());
    JobRunner.Result r = nbconvert(tmp.resolve("out"), nb, "--ExecutePreprocessor.timeout=30",
        "--ExecutePreprocessor.interrupt_on_timeout=True");
    assertEquals(0, r.exitCode(), r.stdout() + r.stderr());
    List<JsonNode> cells = codeCells(tmp.resolve("out/t.ipynb"));
    JsonNode a = cells.get(0).get("outputs");
    assertEquals("stream", a.get(0).get("output_type").asText());
    assertEquals("stdout", a.get(0).get("name").asText());
    assertEquals("stderr", a.get(1).get("name").asText());
    assertTrue(a.get(1).get("text").toString().contains("careful"), a.toString());
    assertEquals("execute_result", a.get(2).get("output_type").asText());
    assertEquals("hello\ncareful\n42", text(cells.get(0)));
    assertEquals("display_data", cells.get(1).get("outputs").get(0).get("output_type").asText());
    assertEquals(1, images(cells.subList(1, 2)));
    assertTrue(text(cells.get(1)).endsWith("41"), text(cells.get(1)));
    JsonNode error = cells.get(2).get("outputs").get(0);
    assertEquals("error", error.get("output_type").asText());
    assertEquals("java.lang.IllegalStateException: boom", error.get("evalue").asText());
    JsonNode compile = cells.get(3).get("outputs").get(0);
    assertEquals("error", compile.get("output_type").asText());
    assertTrue(compile.get("evalue").asText().contains("incompatible types"), compile.toString());
    // a Spark job whose lambda was defined in a cell: the executor threads find the cell's classes
    assertEquals("410", result(cells.get(4)), cells.get(4).toString());
    // the endless cell was interrupted on its timeout; the kernel lives on
    assertTrue(cells.get(5).get("outputs").get(0).get("evalue").asText().contains("InterruptedException"), cells.get(5).toString());
    assertEquals("\"still here\"", result(cells.get(6)));

    // without --allow-errors (notebooks/run.sh), a failing cell fails the run and nothing is saved
    JobRunner.Result failing = run(tmp.resolve("strict"), nb.toString());
    assertEquals(1, failing.exitCode(), failing.stdout() + failing.stderr());
    assertTrue(failing.stderr().contains("IllegalStateException: boom"), failing.stderr());
    assertTrue(!Files.exists(tmp.resolve("strict/t.ipynb")));
  }

  /** Runs a checked-in notebook; asserts every cell ran cleanly and it shows {@code images} images; returns its text outputs. */
  private String runCleanly(String name, int images) throws Exception {
    JobRunner.Result r = run(tmp, "notebooks/" + name);
    assertEquals(0, r.exitCode(), r.stdout() + r.stderr());
    List<JsonNode> cells = codeCells(tmp.resolve(name));
    ranCleanly(cells);
    assertEquals(images, images(cells));
    return String.join("\n", cells.stream().map(NotebooksIT::text).toList());
  }

  @Test
  void quickstartNotebookTrainsScoresAndPlots() throws Exception {
    // four learning curves, the digits, the confusion matrix
    String all = runCleanly("quickstart.ipynb", 6);
    Matcher m = Pattern.compile("test accuracy (0\\.\\d+) with the packed model, (0\\.\\d+) with the training graph; "
        + "same prediction on 10000 of 10000 rows").matcher(all);
    assertTrue(m.find(), all);
    assertTrue(Double.parseDouble(m.group(1)) > 0.95, m.group());
    assertEquals(m.group(1), m.group(2));
    assertTrue(all.contains("x smaller"), all);
  }

  @Test
  void scoringAtScaleNotebookMeasuresBothEnginesAndPlots() throws Exception {
    String all = runCleanly("scoring-at-scale.ipynb", 1);
    Matcher m = Pattern.compile("([\\d,]+) rows: packed +([\\d,]+) rows/s, float +([\\d,]+) rows/s").matcher(all);
    int points = 0;
    while (m.find()) {
      assertTrue(Long.parseLong(m.group(2).replace(",", "")) > 0 && Long.parseLong(m.group(3).replace(",", "")) > 0, m.group());
      points++;
    }
    assertEquals(4, points, all);
  }

  @Test
  void methodsNotebookComparesFiveMethodsPackedEqualsGraph() throws Exception {
    String all = runCleanly("methods.ipynb", 1);
    Matcher m = Pattern.compile("(\\S+) +test accuracy (0\\.\\d+) \\(packed == graph on (\\d+) of (\\d+) rows\\)").matcher(all);
    List<String> methods = new java.util.ArrayList<>();
    while (m.find()) {
      methods.add(m.group(1));
      assertTrue(Double.parseDouble(m.group(2)) > 0.9, m.group());
      assertEquals("10000", m.group(4), m.group());
      assertEquals(m.group(3), m.group(4), "packed and graph predictions differ: " + m.group());
    }
    assertEquals(List.of("BinaryConnect", "BinaryNet", "XNOR-Net", "XNOR-Net++", "ABC-Net"), methods, all);
    assertTrue(all.contains("<table>") && all.contains("ABC-Net</td>"), all);
  }

  @Test
  void syncStrategiesNotebookComparesTimeAccuracyAndBytes() throws Exception {
    String all = runCleanly("sync-strategies.ipynb", 2);
    Matcher m = Pattern.compile("<tr><td>([^<]+)</td><td>([\\d.]+)</td><td>(0\\.\\d+)</td><td>([\\d.]+)</td></tr>").matcher(all);
    Map<String, double[]> rows = new java.util.LinkedHashMap<>();
    while (m.find()) {
      rows.put(m.group(1), new double[] {Double.parseDouble(m.group(2)), Double.parseDouble(m.group(3)),
          Double.parseDouble(m.group(4))});
    }
    assertEquals(3, rows.size(), all);
    List<double[]> r = new ArrayList<>(rows.values());
    for (double[] x : r) {
      assertTrue(x[1] > 0.9, "every strategy learns MNIST in 3 epochs: " + all);
    }
    assertTrue(r.get(0)[0] > r.get(1)[0], "one job per step costs more time than 32 local steps per job: " + all);
    assertTrue(r.get(0)[2] > r.get(1)[2] && r.get(1)[2] > r.get(2)[2], "bytes: every_step > local > local + sign_ef: " + all);
  }
}
