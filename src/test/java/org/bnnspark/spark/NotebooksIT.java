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
 * The notebooks run top to bottom through {@code notebooks/run.sh} (one JShell session per notebook,
 * the project's classpath) on real MNIST, and the saved notebooks carry their outputs, images included.
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

  @Test
  void runnerKeepsOutputsImagesAndValuesAndStopsAtTheFirstFailingCell() throws Exception {
    Path nb = tmp.resolve("t.ipynb");
    Files.writeString(nb, """
        {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
         {"cell_type": "markdown", "id": "m", "metadata": {}, "source": ["# test"]},
         {"cell_type": "code", "id": "a", "metadata": {}, "execution_count": null, "outputs": [],
          "source": ["int x = 41;\\n", "System.out.println(\\"hello\\");\\n", "x + 1"]},
         {"cell_type": "code", "id": "b", "metadata": {}, "execution_count": null, "outputs": [],
          "source": "org.bnnspark.notebook.Display.chart(org.bnnspark.report.Charts.line(\\"t\\", \\"x\\", \\"y\\").series(\\"s\\", new double[] {1, 2}, new double[] {3, 4}));\\nx"},
         {"cell_type": "code", "id": "c", "metadata": {}, "execution_count": null, "outputs": [],
          "source": ["void f() {\\n", "  throw new IllegalStateException(\\"boom\\");\\n", "}\\n", "f();"]},
         {"cell_type": "code", "id": "d", "metadata": {}, "execution_count": null, "outputs": [], "source": ["1 + 1"]}
        ]}
        """);
    JobRunner.Result r = run(tmp.resolve("out"), nb.toString());
    assertEquals(1, r.exitCode(), r.stdout() + r.stderr());
    assertTrue(r.stderr().contains("error: t.ipynb cell 3: java.lang.IllegalStateException: boom"), r.stderr());
    List<JsonNode> cells = codeCells(tmp.resolve("out/t.ipynb"));
    assertEquals("hello\n42", text(cells.get(0)));
    assertEquals("execute_result", cells.get(0).get("outputs").get(1).get("output_type").asText());
    assertEquals(1, images(cells.subList(1, 2)));
    assertTrue(text(cells.get(1)).endsWith("41"), text(cells.get(1)));
    JsonNode error = cells.get(2).get("outputs").get(0);
    assertEquals("error", error.get("output_type").asText());
    assertEquals("java.lang.IllegalStateException", error.get("ename").asText());
    assertTrue(cells.get(3).get("execution_count").isNull() && cells.get(3).get("outputs").isEmpty(), "cells after a failure do not run");

    // a cell that does not compile is an error too
    Files.writeString(nb, """
        {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
         {"cell_type": "code", "id": "a", "metadata": {}, "execution_count": null, "outputs": [], "source": "int y = \\"text\\";"}]}
        """);
    JobRunner.Result bad = run(tmp.resolve("out"), nb.toString());
    assertEquals(1, bad.exitCode());
    assertTrue(bad.stderr().contains("error: t.ipynb cell 1: CompilationError: incompatible types"), bad.stderr());
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
}
