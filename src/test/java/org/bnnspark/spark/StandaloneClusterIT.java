package org.bnnspark.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Spark standalone cluster on 127.0.0.1: one master and two workers started from the jars
 * the build laid out (no Spark install), each worker launching its own executor JVM. Training is
 * submitted through jobs/train.sh --master spark://… and must produce the same model, byte for
 * byte, as a local run with the same partitioning. The cluster is stopped even when the test fails.
 */
class StandaloneClusterIT {
  @TempDir
  Path tmp;

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
      return s.getLocalPort();
    }
  }

  private Process start(List<Process> started, Path sparkHome, String name, String... args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx512m", "--add-opens=java.base/java.lang=ALL-UNNAMED", "--add-opens=java.base/java.nio=ALL-UNNAMED",
        "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED", "--add-opens=java.base/java.util=ALL-UNNAMED",
        "-cp", sparkHome.resolve("jars") + "/*"));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.environment().put("SPARK_HOME", sparkHome.toString());
    // a release layout: the worker's launcher then takes jars/ as the classpath of the executors it starts
    pb.environment().put("SPARK_SCALA_VERSION", "2.13");
    pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
    pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
    pb.redirectErrorStream(true);
    pb.redirectOutput(tmp.resolve(name + ".log").toFile());
    Process p = pb.start();
    started.add(p);
    return p;
  }

  private void awaitLog(String name, String text, int times) throws Exception {
    long deadline = System.currentTimeMillis() + 60_000;
    while (System.currentTimeMillis() < deadline) {
      String log = Files.readString(tmp.resolve(name + ".log"));
      if (log.split(java.util.regex.Pattern.quote(text), -1).length - 1 >= times) {
        return;
      }
      Thread.sleep(250);
    }
    throw new AssertionError(name + " did not log '" + text + "' " + times + "× in 60 s:\n" + Files.readString(tmp.resolve(name + ".log")));
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

  /** The executors' stderr, for the failure message. */
  private String executorLogs() throws IOException {
    StringBuilder sb = new StringBuilder();
    try (var files = Files.walk(tmp)) {
      for (Path f : files.filter(f -> f.getFileName().toString().equals("stderr")).toList()) {
        List<String> lines = Files.readAllLines(f);
        sb.append("\n== ").append(f).append('\n').append(String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size())));
      }
    }
    return sb.toString();
  }

  @Test
  void trainingOnATwoWorkerClusterEqualsTheLocalRun() throws Exception {
    Path sparkHome = tmp.resolve("spark-home");
    Files.createDirectories(sparkHome);
    Files.createSymbolicLink(sparkHome.resolve("jars"), Path.of("target/jars").toAbsolutePath());
    Files.writeString(sparkHome.resolve("RELEASE"), "Spark jars laid out by the bnn-spark build\n");
    Path data = TestData.write(tmp.resolve("idx"), 1200, 300, false);
    Path config = tmp.resolve("test.json");
    Files.writeString(config, TestData.CONFIG);

    List<Process> started = new ArrayList<>();
    try {
      int port = freePort();
      start(started, sparkHome, "master", "org.apache.spark.deploy.master.Master", "--host", "127.0.0.1",
          "--port", String.valueOf(port), "--webui-port", String.valueOf(freePort()));
      awaitPort(port);
      String url = "spark://127.0.0.1:" + port;
      for (int w = 1; w <= 2; w++) {
        Path work = tmp.resolve("work" + w);
        Files.createDirectories(work);
        start(started, sparkHome, "worker" + w, "org.apache.spark.deploy.worker.Worker", "--host", "127.0.0.1",
            "--cores", "1", "--memory", "1g", "--webui-port", String.valueOf(freePort()), "--work-dir", work.toString(), url);
      }
      awaitLog("master", "Registering worker", 2);

      JobRunner.Result cluster = JobRunner.train("--data", data.toString(), "--config", config.toString(),
          "--partitions", "2", "--master", url, "--output", tmp.resolve("cluster").toString(), "--quiet");
      assertEquals(0, cluster.exitCode(), cluster.stdout() + cluster.stderr() + executorLogs());
      assertTrue(cluster.stdout().contains("on " + url), cluster.stdout());
      // each worker really ran an executor JVM of this application
      for (int w = 1; w <= 2; w++) {
        try (var apps = Files.list(tmp.resolve("work" + w))) {
          assertTrue(apps.anyMatch(p -> p.getFileName().toString().startsWith("app-")), "worker " + w + " ran no executor");
        }
      }

      JobRunner.Result local = JobRunner.train("--data", data.toString(), "--config", config.toString(),
          "--partitions", "2", "--master", "local[2]", "--output", tmp.resolve("local").toString(), "--quiet");
      assertEquals(0, local.exitCode(), local.stderr());
      assertArrayEquals(Files.readAllBytes(tmp.resolve("local/model.bnn")), Files.readAllBytes(tmp.resolve("cluster/model.bnn")),
          "the cluster's model must equal the local run's, byte for byte");
      assertEquals(local.lastLine(), cluster.lastLine());

      // local steps with compressed exchange: the per-partition residuals and inner optimizer states
      // live in OUTPUT/sync, written by the executors; still the local run's bytes
      String[] compressed = {"--sync", "local", "--local-steps", "3", "--compression", "sign_ef"};
      JobRunner.Result clusterLocal = JobRunner.train(concat(new String[] {"--data", data.toString(), "--config", config.toString(),
          "--partitions", "2", "--master", url, "--output", tmp.resolve("cluster-local").toString(), "--quiet"}, compressed));
      assertEquals(0, clusterLocal.exitCode(), clusterLocal.stdout() + clusterLocal.stderr() + executorLogs());
      assertTrue(clusterLocal.stdout().contains("sync local H=3"), clusterLocal.stdout());
      JobRunner.Result localLocal = JobRunner.train(concat(new String[] {"--data", data.toString(), "--config", config.toString(),
          "--partitions", "2", "--master", "local[2]", "--output", tmp.resolve("local-local").toString(), "--quiet"}, compressed));
      assertEquals(0, localLocal.exitCode(), localLocal.stderr());
      assertArrayEquals(Files.readAllBytes(tmp.resolve("local-local/model.bnn")),
          Files.readAllBytes(tmp.resolve("cluster-local/model.bnn")), "local steps + sign_ef: the cluster's model must equal the local run's");
      assertFalse(java.util.Arrays.equals(Files.readAllBytes(tmp.resolve("local/model.bnn")),
          Files.readAllBytes(tmp.resolve("local-local/model.bnn"))), "another strategy trains another model");

      // an executor JVM killed mid-training: Spark retries its tasks (and recomputes its cached
      // blocks) elsewhere, the worker starts a new executor, and the model is still the same
      Path slow = tmp.resolve("slow.json");
      Files.writeString(slow, TestData.CONFIG.replace("\"batch_size\": 64", "\"batch_size\": 16"));
      Path bigger = TestData.write(tmp.resolve("idx-bigger"), 3000, 300, false);
      String[] args = {"jobs/train.sh", "--data", bigger.toString(), "--config", slow.toString(), "--partitions", "2", "--quiet",
          "--master"};
      JobRunner.Result reference = JobRunner.run(java.util.Map.of(), concat(args, "local[2]", "--output", tmp.resolve("ref").toString()));
      assertEquals(0, reference.exitCode(), reference.stderr());
      Path log = tmp.resolve("killed-executor.log");
      Process job = JobRunner.start(log, concat(args, url, "--output", tmp.resolve("killed-executor").toString()));
      JobRunner.await("training to start", () -> read(log).contains("steps/epoch"), job);
      Thread.sleep(3000);
      ProcessHandle executor = started.get(1).descendants()
          .filter(h -> h.info().commandLine().orElse("").contains("CoarseGrainedExecutorBackend")).findFirst()
          .orElseThrow(() -> new AssertionError("worker 1 runs no executor"));
      executor.destroyForcibly();
      assertTrue(job.waitFor(5, java.util.concurrent.TimeUnit.MINUTES), "training did not finish after the executor loss");
      assertEquals(0, job.exitValue(), read(log) + executorLogs());
      assertArrayEquals(Files.readAllBytes(tmp.resolve("ref/model.bnn")), Files.readAllBytes(tmp.resolve("killed-executor/model.bnn")),
          "a run that lost an executor must end with the fault-free model");
      assertTrue(read(log).contains("test_accuracy="), read(log));

      // the same with local steps and compressed exchange: a retried task re-reads its round's
      // residual and inner state from OUTPUT/sync and writes the same next ones
      String[] localArgs = concat(args, "local[2]", "--output", tmp.resolve("ref-local").toString(), "--sync", "local", "--local-steps", "4",
          "--compression", "sign_ef");
      JobRunner.Result referenceLocal = JobRunner.run(java.util.Map.of(), localArgs);
      assertEquals(0, referenceLocal.exitCode(), referenceLocal.stderr());
      Path logLocal = tmp.resolve("killed-executor-local.log");
      Process jobLocal = JobRunner.start(logLocal, concat(args, url, "--output", tmp.resolve("killed-executor-local").toString(), "--sync",
          "local", "--local-steps", "4", "--compression", "sign_ef"));
      JobRunner.await("training to start", () -> read(logLocal).contains("steps/epoch"), jobLocal);
      Thread.sleep(3000);
      started.get(2).descendants()
          .filter(h -> h.info().commandLine().orElse("").contains("CoarseGrainedExecutorBackend")).findFirst()
          .orElseThrow(() -> new AssertionError("worker 2 runs no executor")).destroyForcibly();
      assertTrue(jobLocal.waitFor(5, java.util.concurrent.TimeUnit.MINUTES), "training did not finish after the executor loss");
      assertEquals(0, jobLocal.exitValue(), read(logLocal) + executorLogs());
      assertArrayEquals(Files.readAllBytes(tmp.resolve("ref-local/model.bnn")),
          Files.readAllBytes(tmp.resolve("killed-executor-local/model.bnn")), "local + sign_ef: the executor loss must change no byte");
      // the worker really lost its executor and launched a replacement for the same application
      try (var apps = Files.list(tmp.resolve("work1"))) {
        long maxExecutors = 0;
        for (Path app : apps.toList()) {
          try (var executors = Files.list(app)) {
            maxExecutors = Math.max(maxExecutors, executors.count());
          }
        }
        assertTrue(maxExecutors >= 2, "worker 1 should have started a second executor after the kill");
      }
    } finally {
      for (Process p : started) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        p.waitFor();
      }
    }
  }

  private static String read(Path log) {
    try {
      return Files.exists(log) ? Files.readString(log) : "";
    } catch (IOException e) {
      return "";
    }
  }

  private static String[] concat(String[] head, String... tail) {
    List<String> all = new ArrayList<>(List.of(head));
    all.addAll(List.of(tail));
    return all.toArray(new String[0]);
  }
}
