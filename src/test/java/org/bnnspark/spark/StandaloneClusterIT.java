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

  @Test
  void trainingOnATwoWorkerClusterEqualsTheLocalRun() throws Exception {
    Path data = TestData.write(tmp.resolve("idx"), 1200, 300, false);
    Path config = tmp.resolve("test.json");
    Files.writeString(config, TestData.CONFIG);

    try (StandaloneCluster c = new StandaloneCluster(tmp, 2)) {
      String url = c.url;

      JobRunner.Result cluster = JobRunner.train("--data", data.toString(), "--config", config.toString(),
          "--partitions", "2", "--master", url, "--output", tmp.resolve("cluster").toString(), "--quiet");
      assertEquals(0, cluster.exitCode(), cluster.stdout() + cluster.stderr() + c.logs());
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
      assertEquals(0, clusterLocal.exitCode(), clusterLocal.stdout() + clusterLocal.stderr() + c.logs());
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
      ProcessHandle executor = c.worker(1).descendants()
          .filter(h -> h.info().commandLine().orElse("").contains("CoarseGrainedExecutorBackend")).findFirst()
          .orElseThrow(() -> new AssertionError("worker 1 runs no executor"));
      executor.destroyForcibly();
      assertTrue(job.waitFor(5, java.util.concurrent.TimeUnit.MINUTES), "training did not finish after the executor loss");
      assertEquals(0, job.exitValue(), read(log) + c.logs());
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
      c.worker(2).descendants()
          .filter(h -> h.info().commandLine().orElse("").contains("CoarseGrainedExecutorBackend")).findFirst()
          .orElseThrow(() -> new AssertionError("worker 2 runs no executor")).destroyForcibly();
      assertTrue(jobLocal.waitFor(5, java.util.concurrent.TimeUnit.MINUTES), "training did not finish after the executor loss");
      assertEquals(0, jobLocal.exitValue(), read(logLocal) + c.logs());
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
    }
  }

  /**
   * A Spark user's submission: plain spark-submit (Spark's launcher) with only the application jar,
   * Spark's default serializer and none of our settings, in client and in cluster deploy mode. In
   * cluster mode the driver runs on a worker, in a scratch directory where the checkout's conf/
   * does not exist: the default configuration comes from the jar. A failing driver fails spark-submit.
   */
  @Test
  void plainSparkSubmitInClientAndClusterDeployMode() throws Exception {
    Path data = TestData.writeMnistShaped(tmp.resolve("mnist-shaped"), 800, 200);
    String app = Path.of("target/bnn-spark-app.jar").toAbsolutePath().toString();
    try (StandaloneCluster c = new StandaloneCluster(tmp.resolve("cluster"), 2)) {
      java.util.Map<String, String> env = java.util.Map.of("SPARK_HOME", c.sparkHome.toString());
      String submit = c.sparkHome.resolve("bin/spark-submit").toString();
      String[] job = {"--class", "org.bnnspark.cli.Train", app, "--data", data.toString(), "--epochs", "1", "--partitions", "2", "--quiet"};

      Path client = tmp.resolve("client-mode");
      JobRunner.Result r = JobRunner.run(env, concat(new String[] {submit, "--master", c.url, "--executor-memory", "1g"},
          concat(job, "--output", client.toString())));
      assertEquals(0, r.exitCode(), r.stdout() + r.stderr() + c.logs());
      assertTrue(r.stdout().contains("mnist-bnn-quickstart on " + c.url), r.stdout());

      Path cluster = tmp.resolve("cluster-mode");
      String[] clusterMode = {submit, "--master", c.url, "--deploy-mode", "cluster", "--driver-memory", "1g", "--executor-memory", "1g",
          "--conf", "spark.standalone.submit.waitAppCompletion=true"};
      r = JobRunner.run(env, concat(clusterMode, concat(job, "--output", cluster.toString())));
      assertEquals(0, r.exitCode(), r.stdout() + r.stderr() + c.logs());
      String driverOut = driverLog(c, "stdout");
      assertTrue(driverOut.contains("configuration conf/mnist-quickstart.json (built in)"), driverOut);
      assertTrue(driverOut.contains("mnist-bnn-quickstart on " + c.url), driverOut);
      assertTrue(driverOut.contains("test_accuracy="), driverOut);
      assertArrayEquals(Files.readAllBytes(client.resolve("model.bnn")), Files.readAllBytes(cluster.resolve("model.bnn")),
          "the driver's place must not change the model");

      // scoring, plain spark-submit in cluster mode with our serializer settings this time. A driver that
      // a standalone worker starts gets none of the JVM options Spark needs on JDK 17+ (Spark's own
      // launchers add them everywhere else), and Spark's Kryo setup needs java.nio opened: the README
      // takes them from the jar's spark-defaults.conf, as here
      String opts;
      try (java.util.zip.ZipFile jar = new java.util.zip.ZipFile(app)) {
        opts = new String(jar.getInputStream(jar.getEntry("bnn-spark/conf/spark-defaults.conf")).readAllBytes()).lines()
            .filter(l -> l.startsWith("spark.driver.extraJavaOptions")).findFirst().orElseThrow()
            .substring("spark.driver.extraJavaOptions".length()).strip();
      }
      Path scores = tmp.resolve("cluster-scores");
      r = JobRunner.run(env, concat(clusterMode, "--driver-java-options", opts,
          "--conf", "spark.serializer=org.apache.spark.serializer.KryoSerializer",
          "--conf", "spark.kryo.registrator=org.bnnspark.spark.BnnKryoRegistrator", "--conf", "spark.kryo.registrationRequired=true",
          "--class", "org.bnnspark.cli.Score", app, "--model", cluster.toString(), "--input", data.toString(), "--output",
          scores.toString(), "--output-format", "csv"));
      assertEquals(0, r.exitCode(), r.stdout() + r.stderr() + c.logs());
      assertTrue(Files.exists(scores.resolve("_SUCCESS")), driverLog(c, "stderr"));
      long rows = 0;
      try (var parts = Files.list(scores)) {
        for (Path part : parts.filter(f -> f.getFileName().toString().endsWith(".csv")).toList()) {
          rows += Files.readAllLines(part).stream().filter(l -> !l.startsWith("index")).count();
        }
      }
      assertEquals(200, rows, "every test row scored");

      // a relative output in cluster mode: one line in the driver's log. Spark's standalone client
      // exits 0 whatever the driver's state (it only logs it); jobs/train.sh reads the state and fails
      r = JobRunner.run(env, concat(clusterMode, concat(job, "--output", "relative/out")));
      assertTrue(r.stderr().matches("(?s).*State of driver driver-\\S+ is FAILED.*"), r.stdout() + r.stderr());
      assertTrue(driverLog(c, "stderr").contains("error: --output 'relative/out' is relative: in cluster deploy mode"), c.logs());
      r = JobRunner.run(env, "jobs/train.sh", "--master", c.url, "--deploy-mode", "cluster", "--driver-memory", "1g",
          "--executor-memory", "1g", "--data", data.toString(), "--epochs", "1", "--output", "relative/out");
      assertEquals(1, r.exitCode(), r.stdout() + r.stderr());
      assertTrue(r.stderr().contains("error: driver driver-"), r.stderr());
      assertTrue(r.stderr().trim().endsWith("its stderr is in the worker's work directory (driver-*/stderr)"), r.stderr());
    }
  }

  /** The newest cluster-mode driver's stdout or stderr on any worker. */
  private static String driverLog(StandaloneCluster c, String name) throws IOException {
    Path newest = null;
    for (int w = 1; w <= 2; w++) {
      try (var dirs = Files.list(c.workDir(w))) {
        for (Path d : dirs.filter(d -> d.getFileName().toString().startsWith("driver-")).toList()) {
          if (newest == null || d.getFileName().toString().compareTo(newest.getFileName().toString()) > 0) {
            newest = d;
          }
        }
      }
    }
    return newest == null ? "(no driver ran)" : Files.readString(newest.resolve(name));
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
