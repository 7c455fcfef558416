package org.bnnspark.notebook;

import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import jdk.jshell.EvalException;
import jdk.jshell.JShell;
import jdk.jshell.JShellException;
import jdk.jshell.Snippet;
import jdk.jshell.SnippetEvent;
import jdk.jshell.SourceCodeAnalysis;
import jdk.jshell.SourceCodeAnalysis.Completeness;

/**
 * Runs Java notebooks (nbformat 4) headlessly: every code cell in order, in one JShell session
 * whose remote JVM has the project's classpath, and saves the notebook with the cells' outputs —
 * stdout/stderr streams, images and HTML from {@link Display}, the value of a cell's last
 * expression when it has no semicolon (as the Jupyter Java kernels show it), and the error of a
 * failing cell. The first failing cell stops the run, which then exits non-zero.
 *
 * <p>{@code notebooks/run.sh [--output DIR] NOTEBOOK...}; without {@code --output} the notebooks are
 * updated in place. JVM options for the cells' JVM come from {@code --vm-options "..."}.
 */
public final class NotebookRunner {
  private static final String SYNC = "\u001b[bnn-sync]";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String classpath;
  private final List<String> vmOptions;

  public NotebookRunner(String classpath, List<String> vmOptions) {
    this.classpath = classpath;
    this.vmOptions = vmOptions;
  }

  public static void main(String[] args) throws Exception {
    Path outDir = null;
    List<String> vm = new ArrayList<>();
    List<Path> notebooks = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      boolean hasValue = i + 1 < args.length;
      switch (args[i]) {
        case "--output" -> outDir = hasValue ? Path.of(args[++i]) : usage("--output needs a directory");
        case "--vm-options" -> vm.addAll(Arrays.stream((hasValue ? args[++i] : "").trim().split("\\s+")).filter(s -> !s.isEmpty()).toList());
        default -> {
          Path nb = Path.of(args[i]);
          if (args[i].startsWith("--") || !Files.isRegularFile(nb)) {
            usage(args[i].startsWith("--") ? "unknown option " + args[i] : args[i] + ": no such notebook");
          }
          notebooks.add(nb);
        }
      }
    }
    if (notebooks.isEmpty()) {
      usage("no notebook given");
    }
    NotebookRunner runner = new NotebookRunner(System.getProperty("java.class.path"), vm);
    int failed = 0;
    for (Path nb : notebooks) {
      Path target = outDir == null ? nb : outDir.resolve(nb.getFileName());
      long t0 = System.nanoTime();
      String error = runner.run(nb, target);
      System.out.printf(Locale.ROOT, "%s: %s in %.0f s -> %s%n", nb, error == null ? "ok" : "FAILED", (System.nanoTime() - t0) / 1e9,
          target);
      if (error != null) {
        System.err.println("error: " + error);
        failed++;
      }
    }
    System.exit(failed == 0 ? 0 : 1);
  }

  private static Path usage(String problem) {
    System.err.println("error: " + problem + " (usage: notebooks/run.sh [--output DIR] NOTEBOOK.ipynb...)");
    System.exit(2);
    return null;
  }

  /** Runs {@code notebook} and writes it with outputs to {@code target}; returns null, or the first cell error. */
  public String run(Path notebook, Path target) throws IOException {
    ObjectNode nb = (ObjectNode) JSON.readTree(notebook.toFile());
    if (nb.path("nbformat").asInt() != 4) {
      throw new IOException(notebook + ": not an nbformat 4 notebook");
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    List<String> remote = new ArrayList<>(vmOptions);
    remote.add("-D" + Display.RUNNER_PROPERTY + "=true");
    remote.add("-Djava.awt.headless=true");
    String error = null;
    try (JShell shell = JShell.builder().out(new PrintStream(out, true, StandardCharsets.UTF_8))
        .err(new PrintStream(err, true, StandardCharsets.UTF_8)).remoteVMOptions(remote.toArray(String[]::new)).build()) {
      shell.addToClasspath(classpath);
      Session session = new Session(shell, out, err);
      int count = 0;
      for (JsonNode c : nb.withArray("cells")) {
        ObjectNode cell = (ObjectNode) c;
        if (!"code".equals(cell.path("cell_type").asText())) {
          continue;
        }
        ArrayNode outputs = JSON.createArrayNode();
        cell.set("outputs", outputs);
        if (error != null) {
          cell.putNull("execution_count");
          continue;
        }
        count++;
        cell.put("execution_count", count);
        String cellError = session.execute(text(cell.get("source")), outputs, count);
        if (cellError != null) {
          error = notebook.getFileName() + " cell " + count + ": " + cellError;
        }
      }
    }
    DefaultPrettyPrinter pretty = new DefaultPrettyPrinter().withObjectIndenter(new DefaultIndenter(" ", "\n"))
        .withArrayIndenter(new DefaultIndenter(" ", "\n"));
    Files.createDirectories(target.toAbsolutePath().getParent());
    Path tmp = target.resolveSibling("." + target.getFileName() + ".tmp");
    Files.writeString(tmp, JSON.writer(pretty).writeValueAsString(nb) + "\n");
    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    return error;
  }

  /** nbformat stores multi-line strings as a string or as a list of lines. */
  static String text(JsonNode n) {
    if (n == null || n.isNull()) {
      return "";
    }
    if (n.isArray()) {
      StringBuilder b = new StringBuilder();
      n.forEach(line -> b.append(line.asText()));
      return b.toString();
    }
    return n.asText();
  }

  /** Lines with their newlines kept, as Jupyter writes them. */
  static ArrayNode lines(String s) {
    ArrayNode a = JSON.createArrayNode();
    int start = 0;
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) == '\n') {
        a.add(s.substring(start, i + 1));
        start = i + 1;
      }
    }
    if (start < s.length()) {
      a.add(s.substring(start));
    }
    return a;
  }

  /** One JShell session and the buffers its remote JVM's stdout/stderr arrive in. */
  private static final class Session {
    private final JShell shell;
    private final ByteArrayOutputStream out;
    private final ByteArrayOutputStream err;
    private int syncs;

    Session(JShell shell, ByteArrayOutputStream out, ByteArrayOutputStream err) {
      this.shell = shell;
      this.out = out;
      this.err = err;
    }

    /** Runs one cell's snippets, appending its outputs; returns null or the error. */
    String execute(String source, ArrayNode outputs, int count) {
      SourceCodeAnalysis analysis = shell.sourceCodeAnalysis();
      String remaining = source;
      while (!remaining.isBlank()) {
        SourceCodeAnalysis.CompletionInfo info = analysis.analyzeCompletion(remaining);
        if (info.completeness() == Completeness.EMPTY) {
          break;
        }
        if (!info.completeness().isComplete()) {
          return error(outputs, "IncompleteSnippet", "the cell ends inside a statement: " + firstLine(remaining));
        }
        remaining = info.remaining();
        List<SnippetEvent> events = shell.eval(info.source());
        drain(outputs);
        boolean last = remaining.isBlank();
        for (SnippetEvent e : events) {
          if (e.causeSnippet() != null) {
            continue;
          }
          if (e.status() == Snippet.Status.REJECTED) {
            String why = shell.diagnostics(e.snippet()).map(d -> d.getMessage(Locale.ROOT)).collect(Collectors.joining("; "));
            return error(outputs, "CompilationError", why + " in: " + firstLine(info.source()));
          }
          if (e.exception() != null) {
            return error(outputs, e.exception());
          }
          boolean expression = e.snippet().kind() == Snippet.Kind.EXPRESSION
              || (e.snippet().kind() == Snippet.Kind.VAR && e.snippet().subKind() == Snippet.SubKind.TEMP_VAR_EXPRESSION_SUBKIND);
          if (last && expression && !info.source().strip().endsWith(";") && e.value() != null) {
            ObjectNode r = outputs.addObject();
            r.put("output_type", "execute_result");
            r.put("execution_count", count);
            r.putObject("data").set("text/plain", lines(e.value()));
            r.putObject("metadata");
          }
        }
      }
      return null;
    }

    /** Waits until everything the cell printed has arrived, then turns it into outputs. */
    private void drain(ArrayNode outputs) {
      String token = SYNC + (++syncs);
      shell.eval("System.out.println(\"" + token + "\"); System.err.println(\"" + token + "\");");
      String o = awaitToken(out, token);
      String e = awaitToken(err, token);
      StringBuilder text = new StringBuilder();
      for (JsonNode l : lines(o)) {
        String line = l.asText();
        if (line.startsWith(Display.MARKER)) {
          stream(outputs, "stdout", text);
          String[] kv = line.substring(Display.MARKER.length()).trim().split(" ", 2);
          ObjectNode d = outputs.addObject();
          d.put("output_type", "display_data");
          ObjectNode data = d.putObject("data");
          if (kv[0].startsWith("image/")) {
            data.put(kv[0], kv[1]);
            data.set("text/plain", lines("<" + kv[0] + " image>"));
          } else {
            data.set(kv[0], lines(new String(java.util.Base64.getDecoder().decode(kv[1]), StandardCharsets.UTF_8)));
          }
          d.putObject("metadata");
        } else {
          text.append(line);
        }
      }
      stream(outputs, "stdout", text);
      stream(outputs, "stderr", new StringBuilder(e));
    }

    private static String awaitToken(ByteArrayOutputStream buffer, String token) {
      long deadline = System.nanoTime() + 60_000_000_000L;
      while (true) {
        synchronized (buffer) {
          String s = buffer.toString(StandardCharsets.UTF_8);
          int at = s.indexOf(token + "\n");
          if (at >= 0) {
            buffer.reset();
            byte[] rest = s.substring(at + token.length() + 1).getBytes(StandardCharsets.UTF_8);
            buffer.write(rest, 0, rest.length);
            return s.substring(0, at);
          }
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("the cells' JVM stopped answering");
        }
        try {
          Thread.sleep(5);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException(ie);
        }
      }
    }

    /** Appends {@code text} as a stream output (merged with a directly preceding one of the same stream). */
    private static void stream(ArrayNode outputs, String name, StringBuilder text) {
      if (text.isEmpty()) {
        return;
      }
      JsonNode prev = outputs.isEmpty() ? null : outputs.get(outputs.size() - 1);
      if (prev != null && "stream".equals(prev.path("output_type").asText()) && name.equals(prev.path("name").asText())) {
        ((ArrayNode) prev.get("text")).addAll(lines(text.toString()));
      } else {
        ObjectNode s = outputs.addObject();
        s.put("output_type", "stream");
        s.put("name", name);
        s.set("text", lines(text.toString()));
      }
      text.setLength(0);
    }

    private String error(ArrayNode outputs, JShellException ex) {
      String name = ex instanceof EvalException ee ? ee.getExceptionClassName() : ex.getClass().getSimpleName();
      List<String> trace = new ArrayList<>();
      trace.add(name + ": " + ex.getMessage());
      for (StackTraceElement s : ex.getStackTrace()) {
        trace.add("    at " + s);
        if (trace.size() > 12) {
          break;
        }
      }
      for (Throwable c = ex.getCause(); c != null; c = c.getCause()) {
        String cn = c instanceof EvalException ee ? ee.getExceptionClassName() : c.getClass().getName();
        trace.add("Caused by: " + cn + ": " + c.getMessage());
      }
      return error(outputs, name, ex.getMessage() == null ? "" : ex.getMessage(), trace);
    }

    private String error(ArrayNode outputs, String name, String message) {
      return error(outputs, name, message, List.of(name + ": " + message));
    }

    private String error(ArrayNode outputs, String name, String message, List<String> trace) {
      drain(outputs);
      ObjectNode e = outputs.addObject();
      e.put("output_type", "error");
      e.put("ename", name);
      e.put("evalue", message);
      ArrayNode t = e.putArray("traceback");
      trace.forEach(t::add);
      return name + ": " + message;
    }

    private static String firstLine(String s) {
      String t = s.strip();
      int nl = t.indexOf('\n');
      return nl < 0 ? t : t.substring(0, nl) + " …";
    }
  }
}
