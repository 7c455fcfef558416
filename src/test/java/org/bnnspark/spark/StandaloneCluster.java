package org.bnnspark.spark;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A real Spark standalone cluster on 127.0.0.1 for the integration tests: one master and N workers,
 * each its own JVM started from the jars the build laid out (no Spark install), each worker
 * launching the executor (and, in cluster deploy mode, driver) JVMs of the applications submitted
 * to it. Its Spark home has {@code bin/spark-submit} = {@code jobs/spark-submit}, i.e. Spark's own
 * launcher, as a Spark release's script runs it. {@link #close} stops every JVM it started.
 */
final class StandaloneCluster implements AutoCloseable {
  final Path dir;
  final Path sparkHome;
  final String url;
  private final List<Process> started = new ArrayList<>();

  StandaloneCluster(Path dir, int workers) throws Exception {
    this.dir = dir;
    this.sparkHome = dir.resolve("spark-home");
    Files.createDirectories(sparkHome.resolve("bin"));
    Files.createSymbolicLink(sparkHome.resolve("jars"), Path.of("target/jars").toAbsolutePath());
    Files.createSymbolicLink(sparkHome.resolve("bin/spark-submit"), Path.of("jobs/spark-submit").toAbsolutePath());
    Files.writeString(sparkHome.resolve("RELEASE"), "Spark jars laid out by the bnn-spark build\n");
    try {
      int port = freePort();
      start("master", "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1", "--port", String.valueOf(port),
          "--webui-port", String.valueOf(freePort()));
      awaitPort(port);
      url = "spark://127.0.0.1:" + port;
      for (int w = 1; w <= workers; w++) {
        Path work = workDir(w);
        Files.createDirectories(work);
        start("worker" + w, "org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1", "--cores", "2", "--memory", "2500m",
            "--webui-port", String.valueOf(freePort()), "--work-dir", work.toString(), url);
      }
      awaitLog("master", "Registering worker", workers);
    } catch (Exception | Error e) {
      close();
      throw e;
    }
  }

  Path workDir(int worker) {
    return dir.resolve("work" + worker);
  }

  /** The worker's JVM (its executors and drivers are its descendants). */
  ProcessHandle worker(int w) {
    return started.get(w).toHandle();
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
      return s.getLocalPort();
    }
  }

  private void start(String name, String... args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx512m", "--add-opens=java.base/java.lang=ALL-UNNAMED", "--add-opens=java.base/java.nio=ALL-UNNAMED",
        "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED", "--add-opens=java.base/java.util=ALL-UNNAMED",
        "-cp", sparkHome.resolve("jars") + "/*"));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().put("SPARK_HOME", sparkHome.toString());
    // a release layout: the worker's launcher then takes jars/ as the classpath of the JVMs it starts
    pb.environment().put("SPARK_SCALA_VERSION", "2.13");
    pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
    pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
    pb.redirectErrorStream(true);
    pb.redirectOutput(dir.resolve(name + ".log").toFile());
    started.add(pb.start());
  }

  private void awaitLog(String name, String text, int times) throws Exception {
    long deadline = System.currentTimeMillis() + 60_000;
    while (System.currentTimeMillis() < deadline) {
      String log = Files.readString(dir.resolve(name + ".log"));
      if (log.split(java.util.regex.Pattern.quote(text), -1).length - 1 >= times) {
        return;
      }
      Thread.sleep(250);
    }
    throw new AssertionError(name + " did not log '" + text + "' " + times + "× in 60 s:\n" + Files.readString(dir.resolve(name + ".log")));
  }

  private static void awaitPort(int port) throws Exception {
    long deadline = System.currentTimeMillis() + 60_000;
    while (System.currentTimeMillis() < deadline) {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 500);
        return;
      } catch (IOException e) {
        Thread.sleep(250);
      }
    }
    throw new AssertionError("nothing listens on 127.0.0.1:" + port);
  }

  /** The tail of every executor's and driver's stderr and stdout, for a failure message. */
  String logs() throws IOException {
    StringBuilder sb = new StringBuilder();
    try (var files = Files.walk(dir)) {
      for (Path f : files.filter(f -> f.getFileName().toString().matches("stderr|stdout")).toList()) {
        List<String> lines = Files.readAllLines(f);
        sb.append("\n== ").append(f).append('\n').append(String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size())));
      }
    }
    return sb.toString();
  }

  @Override
  public void close() {
    for (Process p : started) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      try {
        p.waitFor();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
