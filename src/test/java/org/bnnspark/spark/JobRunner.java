package org.bnnspark.spark;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs a project script (jobs/*.sh) as a user would, and keeps its exit code and output. */
final class JobRunner {
  record Result(int exitCode, String stdout, String stderr) {
    String lastLine() {
      List<String> lines = stdout.lines().toList();
      return lines.isEmpty() ? "" : lines.get(lines.size() - 1);
    }
  }

  private JobRunner() {}

  private static ProcessBuilder builder(Map<String, String> env, List<String> cmd) {
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().remove("SPARK_HOME");
    // the jobs pick the newest JDK unless told: pin them to the JDK running the tests
    pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
    pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
    pb.environment().put("BNN_DRIVER_MEMORY", "2g");
    pb.environment().putAll(env);
    return pb;
  }

  /** Starts a job in the background, as a user's shell would; stdout and stderr go to {@code log}. */
  static Process start(Path log, String... command) throws IOException {
    return builder(Map.of(), List.of(command)).redirectErrorStream(true).redirectOutput(log.toFile()).start();
  }

  /** Waits until {@code ready} holds (polling), failing when {@code job} ends first or after two minutes. */
  static void await(String what, java.util.function.BooleanSupplier ready, Process job) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
    while (!ready.getAsBoolean()) {
      if (!job.isAlive()) {
        throw new AssertionError("the job ended (exit " + job.exitValue() + ") before " + what);
      }
      if (System.nanoTime() > end) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(50);
    }
  }

  static Result run(Map<String, String> env, String... command) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of(command));
    ProcessBuilder pb = builder(env, cmd);
    Path out = Files.createTempFile("job", ".out");
    Path err = Files.createTempFile("job", ".err");
    pb.redirectOutput(out.toFile());
    pb.redirectError(err.toFile());
    Process p = pb.start();
    if (!p.waitFor(10, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new IllegalStateException("timed out: " + String.join(" ", cmd));
    }
    Result r = new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    Files.delete(out);
    Files.delete(err);
    return r;
  }

  static Result train(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("jobs/train.sh"));
    cmd.addAll(List.of(args));
    return run(Map.of(), cmd.toArray(new String[0]));
  }
}
