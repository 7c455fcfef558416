package org.bnnspark.notebook;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import jdk.jshell.EvalException;
import jdk.jshell.JShell;
import jdk.jshell.JShellException;
import jdk.jshell.Snippet;
import jdk.jshell.SnippetEvent;
import jdk.jshell.SourceCodeAnalysis;
import jdk.jshell.execution.LocalExecutionControlProvider;
import org.dflib.jjava.jupyter.channels.JupyterConnection;
import org.dflib.jjava.jupyter.kernel.BaseKernel;
import org.dflib.jjava.jupyter.kernel.BaseKernelBuilder;
import org.dflib.jjava.jupyter.kernel.KernelConnectionProperties;
import org.dflib.jjava.jupyter.kernel.LanguageInfo;
import org.dflib.jjava.jupyter.kernel.ReplacementOptions;
import org.dflib.jjava.jupyter.kernel.display.DisplayData;

/**
 * The project's Jupyter kernel for Java notebooks, on JJava's Jupyter messaging library
 * ({@code org.dflib.jjava:jjava-jupyter}): Jupyter starts it with a connection file
 * ({@code notebooks/install-kernel.sh} installs the kernelspec {@code java}), and every cell runs in
 * one JShell whose snippets execute in this JVM (JShell's local execution), on the project's
 * classpath and with the JVM flags Spark needs (both in the kernelspec's {@code argv}).
 *
 * <ul>
 *   <li>A cell is split into JShell snippets and run in order; a cell whose last snippet is an
 *       expression without a trailing semicolon has its value as the {@code execute_result}.</li>
 *   <li>{@code System.out} and {@code System.err} become the cell's {@code stream} outputs (the base
 *       kernel swaps them while a cell runs); {@link Display} reaches {@link #display} through
 *       {@link BaseKernel#notebookKernel()}, so PNG and HTML become {@code display_data}.</li>
 *   <li>A compilation error or an exception is the cell's {@code error} output (and
 *       {@code jupyter nbconvert --execute} fails on it); an interrupt stops the running cell.</li>
 *   <li>The cells' class loader is the thread's context class loader while they run, so Spark finds
 *       the classes of lambdas defined in cells when it deserializes tasks in local mode.</li>
 * </ul>
 */
public final class JavaKernel extends BaseKernel {
  private final JShell shell;
  private final SourceCodeAnalysis analysis;
  /** Set by an interrupt request: the running cell ends as an error, whatever JShell reports. */
  private volatile boolean interrupted;

  private JavaKernel(String name, String version, org.dflib.jjava.jupyter.kernel.history.HistoryManager history,
      org.dflib.jjava.jupyter.kernel.JupyterIO io, org.dflib.jjava.jupyter.kernel.comm.CommManager comms,
      org.dflib.jjava.jupyter.kernel.display.Renderer renderer, org.dflib.jjava.jupyter.kernel.magic.MagicParser magics,
      org.dflib.jjava.jupyter.kernel.magic.MagicsRegistry registry, org.dflib.jjava.jupyter.kernel.util.StringStyler errors) {
    super(name, version, new LanguageInfo("java", Runtime.version().toString(), "text/x-java", ".java", "java", "java", "java"),
        List.of(), history, io, comms, renderer, magics, registry, false, errors);
    shell = JShell.builder().executionEngine(new LocalExecutionControlProvider(), Map.of())
        .compilerOptions("--add-modules", "jdk.incubator.vector").build();
    for (String entry : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
      if (!entry.isBlank()) {
        shell.addToClasspath(entry);
      }
    }
    analysis = shell.sourceCodeAnalysis();
    shell.eval("org.bnnspark.notebook.JavaKernel.CellLoader.loader = new Object() {}.getClass().getClassLoader();");
    installNotebookKernel(); // BaseKernel.notebookKernel(): how Display finds this kernel
  }

  /** The base kernel's parts (I/O, history, renderer, magics…) with their defaults. */
  static final class Builder extends BaseKernelBuilder<Builder, JavaKernel> {
    @Override
    public JavaKernel build() {
      name("bnn-spark Java").version("1");
      return new JavaKernel(buildName(), buildVersion(), buildHistoryManager(), buildJupyterIO(buildJupyterIOEncoding()),
          buildCommManager(), buildRenderer(), magicParser != null ? magicParser
              : new org.dflib.jjava.jupyter.kernel.magic.MagicParser("(?<=(?:^|=))\\s*%", "%%", buildMagicTranspiler()),
          buildMagicsRegistry(), buildErrorStyler());
    }
  }

  /** Kernel entry point: {@code java … org.bnnspark.notebook.JavaKernel CONNECTION_FILE}. */
  public static void main(String[] args) throws Exception {
    if (args.length != 1) {
      System.err.println("usage: JavaKernel CONNECTION_FILE (Jupyter passes it: see notebooks/install-kernel.sh)");
      System.exit(2);
    }
    KernelConnectionProperties props = KernelConnectionProperties.parse(Files.readString(Path.of(args[0]), StandardCharsets.UTF_8));
    JupyterConnection connection = new JupyterConnection(props);
    JavaKernel kernel = new Builder().build();
    kernel.becomeHandlerForConnection(connection);
    connection.connect();
    connection.waitUntilClose();
    System.exit(0);
  }

  @Override
  public Object evalRaw(String code) {
    // JShell runs each snippet in a thread this one starts: it inherits the cells' loader, and so do
    // Spark's executor threads that a cell's SparkSession starts
    if (CellLoader.loader != null) {
      Thread.currentThread().setContextClassLoader(CellLoader.loader);
    }
    interrupted = false;
    Object result = null;
    String remaining = code;
    while (!remaining.isBlank()) {
      SourceCodeAnalysis.CompletionInfo info = analysis.analyzeCompletion(remaining);
      if (!info.completeness().isComplete()) {
        throw new IllegalArgumentException("the cell ends inside a statement: " + firstLine(remaining));
      }
      result = null;
      List<SnippetEvent> events = shell.eval(info.source());
      if (interrupted) {
        throw new CellException("java.lang.InterruptedException: the cell was interrupted");
      }
      for (SnippetEvent e : events) {
        if (e.causeSnippet() != null) {
          continue; // an update of a dependent snippet, not this one
        }
        if (e.status() == Snippet.Status.REJECTED) {
          throw new CompilationException(diagnostics(e.snippet()));
        }
        if (e.exception() != null) {
          throw asThrowable(e.exception());
        }
        boolean expression = e.snippet().kind() == Snippet.Kind.EXPRESSION
            || (e.snippet().kind() == Snippet.Kind.VAR && e.snippet().subKind() == Snippet.SubKind.TEMP_VAR_EXPRESSION_SUBKIND);
        if (expression && !info.source().strip().endsWith(";")) {
          result = e.value();
        }
      }
      remaining = info.remaining();
    }
    return result;
  }

  /** Where a snippet leaves the class loader JShell defines the cells' classes in. */
  public static final class CellLoader {
    public static volatile ClassLoader loader;

    private CellLoader() {}
  }

  private String diagnostics(Snippet s) {
    StringBuilder sb = new StringBuilder();
    shell.diagnostics(s).forEach(d -> {
      long line = lineOf(s.source(), d.getStartPosition());
      sb.append("line ").append(line).append(": ").append(d.getMessage(java.util.Locale.ROOT)).append('\n');
    });
    return sb.length() == 0 ? "the snippet was rejected: " + firstLine(s.source()) : sb.toString().strip();
  }

  private static long lineOf(String src, long pos) {
    return src.substring(0, (int) Math.max(0, Math.min(pos, src.length()))).chars().filter(c -> c == '\n').count() + 1;
  }

  /** An exception thrown by a cell, with its class name, message, stack and causes. */
  private static RuntimeException asThrowable(JShellException ex) {
    String name = ex instanceof EvalException ee ? ee.getExceptionClassName() : ex.getClass().getName();
    CellException out = new CellException(name + (ex.getMessage() == null ? "" : ": " + ex.getMessage()));
    out.setStackTrace(ex.getStackTrace());
    if (ex.getCause() instanceof JShellException c) {
      out.initCause(asThrowable(c));
    } else if (ex.getCause() != null) {
      out.initCause(ex.getCause());
    }
    return out;
  }

  /** A cell that did not compile. */
  static final class CompilationException extends RuntimeException {
    CompilationException(String diagnostics) {
      super(diagnostics, null, false, false);
    }
  }

  /** What a cell threw (JShell reports it by class name). */
  static final class CellException extends RuntimeException {
    CellException(String message) {
      super(message);
    }
  }

  @Override
  public List<String> formatError(Throwable e) {
    List<String> lines = new ArrayList<>();
    if (e instanceof CompilationException) {
      lines.add("compilation error:");
      lines.addAll(List.of(e.getMessage().split("\n")));
      return lines;
    }
    return super.formatError(e);
  }

  @Override
  public DisplayData inspect(String code, int at, boolean extraDetail) {
    return null;
  }

  @Override
  public ReplacementOptions complete(String code, int at) {
    int[] anchor = new int[1];
    List<String> options = analysis.completionSuggestions(code, at, anchor).stream()
        .map(SourceCodeAnalysis.Suggestion::continuation).distinct().toList();
    return options.isEmpty() ? null : new ReplacementOptions(options, anchor[0], at);
  }

  @Override
  public String isComplete(String code) {
    SourceCodeAnalysis.Completeness c = analysis.analyzeCompletion(code).completeness();
    if (c.isComplete()) {
      return IS_COMPLETE_YES;
    }
    // Jupyter's answer for "needs more lines" is the indent to continue with
    return c == SourceCodeAnalysis.Completeness.UNKNOWN ? IS_COMPLETE_BAD : "    ";
  }

  @Override
  public void interrupt() {
    interrupted = true;
    shell.stop();
  }

  @Override
  public void onShutdown(boolean restart) {
    shell.close();
  }

  private static String firstLine(String s) {
    return s.strip().lines().findFirst().orElse("");
  }
}
