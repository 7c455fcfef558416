package org.bnnspark.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.hadoop.yarn.conf.YarnConfiguration;
import org.apache.hadoop.yarn.server.MiniYARNCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The jobs on a real YARN: Hadoop's MiniYARNCluster (a ResourceManager and a NodeManager) and a
 * MiniDFSCluster in this JVM, on 127.0.0.1, as Spark's own YarnClusterSuite runs them. Applications
 * are submitted with plain spark-submit ({@code --master yarn}, Spark's launcher, HADOOP_CONF_DIR
 * naming a directory with only the ResourceManager's addresses and fs.defaultFS), their containers
 * are JVMs the NodeManager starts. Training in client and in cluster deploy mode must give the local
 * run's model byte for byte, also when an executor container is killed; scoring runs there too.
 */
class YarnIT {
  @TempDir
  static Path tmp;
  static MiniDFSCluster dfs;
  static MiniYARNCluster yarn;
  static FileSystem fs;
  static String hdfs;
  static Path hadoopConf;
  static Path localData;
  static Path config;

  @BeforeAll
  static void start() throws Exception {
    dfs = MiniHdfs.start(tmp.resolve("dfs"));
    fs = dfs.getFileSystem();
    hdfs = MiniHdfs.uri(dfs);

    YarnConfiguration y = new YarnConfiguration();
    // the shaded minicluster has no capacity-scheduler.xml: one root queue, inline
    y.set("yarn.scheduler.capacity.root.queues", "default");
    y.set("yarn.scheduler.capacity.root.default.capacity", "100");
    y.set("yarn.scheduler.capacity.root.default.maximum-capacity", "100");
    y.set("yarn.scheduler.capacity.root.default.state", "RUNNING");
    y.set("yarn.scheduler.capacity.root.default.acl_submit_applications", "*");
    y.set("yarn.scheduler.capacity.root.default.acl_administer_queue", "*");
    y.set("yarn.resourcemanager.hostname", "127.0.0.1");
    y.set("yarn.nodemanager.hostname", "127.0.0.1");
    y.setInt("yarn.nodemanager.resource.memory-mb", 4096);
    y.setInt("yarn.nodemanager.resource.cpu-vcores", 4);
    y.setInt("yarn.scheduler.minimum-allocation-mb", 256);
    y.set("yarn.nodemanager.disk-health-checker.max-disk-utilization-per-disk-percentage", "100.0");
    // the cluster then stops in a second or two instead of ~17 s
    y.setInt("yarn.nodemanager.process-kill-wait.ms", 500);
    y.setInt("yarn.nodemanager.sleep-delay-before-sigkill.ms", 100);
    y.setInt("yarn.nodemanager.log.retain-seconds", 1);
    y.setInt("yarn.nodemanager.delete.debug-delay-sec", Integer.getInteger("bnn.yarn.keepLogs", 0));
    y.set("fs.defaultFS", hdfs);
    yarn = new MiniYARNCluster("bnn-spark-yarn", 1, 1, 1);
    yarn.init(y);
    yarn.start();
    Configuration running = yarn.getConfig();
    long deadline = System.currentTimeMillis() + 60_000;
    while (running.get("yarn.resourcemanager.address", "").endsWith(":0") && System.currentTimeMillis() < deadline) {
      Thread.sleep(100);
    }

    // what a client machine has: the ResourceManager's addresses and the default file system
    hadoopConf = tmp.resolve("hadoop-conf");
    Files.createDirectories(hadoopConf);
    Files.writeString(hadoopConf.resolve("yarn-site.xml"), site(Map.of(
        "yarn.resourcemanager.address", running.get("yarn.resourcemanager.address"),
        "yarn.resourcemanager.scheduler.address", running.get("yarn.resourcemanager.scheduler.address"))));
    Files.writeString(hadoopConf.resolve("core-site.xml"), site(Map.of("fs.defaultFS", hdfs)));

    localData = TestData.write(tmp.resolve("idx"), 1200, 300, false);
    MiniHdfs.upload(dfs, localData, hdfs + "/data/idx");
    config = tmp.resolve("test.json");
    Files.writeString(config, TestData.CONFIG);
  }

  @AfterAll
  static void stop() {
    if (yarn != null) {
      yarn.stop();
    }
    if (dfs != null) {
      dfs.shutdown();
    }
  }

  private static String site(Map<String, String> props) {
    StringBuilder sb = new StringBuilder("<?xml version=\"1.0\"?>\n<configuration>\n");
    props.forEach((k, v) -> sb.append("  <property><name>").append(k).append("</name><value>").append(v).append("</value></property>\n"));
    return sb.append("</configuration>\n").toString();
  }

  /** spark-submit --master yarn with the settings a YARN site gives its users. */
  private static List<String> submit(String deployMode, String main) {
    String javaHome = System.getProperty("java.home");
    return new ArrayList<>(List.of("jobs/spark-submit", "--master", "yarn", "--deploy-mode", deployMode,
        "--num-executors", "2", "--executor-cores", "1", "--executor-memory", "512m", "--driver-memory", "768m",
        // Spark's jars are already on every node (a site's spark.yarn.jars or archive): nothing to upload
        "--conf", "spark.yarn.jars=local:" + Path.of("target/jars").toAbsolutePath() + "/*",
        "--conf", "spark.yarn.appMasterEnv.JAVA_HOME=" + javaHome, "--conf", "spark.executorEnv.JAVA_HOME=" + javaHome,
        "--conf", "spark.yarn.submit.waitAppCompletion=true",
        "--class", main, Path.of("target/bnn-spark-app.jar").toAbsolutePath().toString()));
  }

  private static Map<String, String> env() {
    return Map.of("HADOOP_CONF_DIR", hadoopConf.toString(), "HADOOP_USER_NAME", System.getProperty("user.name"));
  }

  private static byte[] hdfsBytes(String path) throws IOException {
    try (var in = fs.open(new org.apache.hadoop.fs.Path(path))) {
      return in.readAllBytes();
    }
  }

  private static String[] trainArgs(String output) {
    return new String[] {"--data", hdfs + "/data/idx", "--partitions", "2", "--quiet", "--output", output};
  }

  @Test
  void trainingInClientAndClusterModeAndScoringOnYarnEqualTheLocalRun() throws Exception {
    JobRunner.Result local = JobRunner.train("--data", localData.toString(), "--config", config.toString(), "--partitions", "2",
        "--master", "local[2]", "--output", tmp.resolve("local").toString(), "--quiet");
    assertEquals(0, local.exitCode(), local.stderr());
    byte[] reference = Files.readAllBytes(tmp.resolve("local/model.bnn"));

    // client mode: the driver is here, the configuration a local file
    List<String> client = submit("client", "org.bnnspark.cli.Train");
    client.addAll(List.of(trainArgs(hdfs + "/out/client")));
    client.addAll(List.of("--config", config.toString()));
    JobRunner.Result c = JobRunner.run(env(), client.toArray(new String[0]));
    assertEquals(0, c.exitCode(), c.stdout() + c.stderr());
    assertTrue(c.stdout().contains("test-bnn on yarn"), c.stdout());
    assertArrayEquals(reference, hdfsBytes(hdfs + "/out/client/model.bnn"), "YARN client mode must give the local run's model");

    // cluster mode: the driver runs in the ApplicationMaster's container; the configuration
    // travels with --files and is found in the container's working directory
    List<String> cluster = submit("cluster", "org.bnnspark.cli.Train");
    cluster.addAll(cluster.indexOf("--class"), List.of("--files", config.toString()));
    cluster.addAll(List.of(trainArgs(hdfs + "/out/cluster")));
    cluster.addAll(List.of("--config", "test.json"));
    JobRunner.Result k = JobRunner.run(env(), cluster.toArray(new String[0]));
    assertEquals(0, k.exitCode(), k.stdout() + k.stderr());
    assertTrue(k.stderr().contains("final status: SUCCEEDED"), k.stderr());
    assertArrayEquals(reference, hdfsBytes(hdfs + "/out/cluster/model.bnn"), "YARN cluster mode must give the local run's model");

    // a failing driver in cluster mode fails spark-submit (YARN reports the application FAILED)
    List<String> failing = submit("cluster", "org.bnnspark.cli.Train");
    failing.addAll(List.of("--data", hdfs + "/no/such/data", "--output", hdfs + "/out/failing", "--config", "mnist-quickstart"));
    JobRunner.Result f = JobRunner.run(env(), failing.toArray(new String[0]));
    assertTrue(f.exitCode() != 0, f.stdout() + f.stderr());
    assertTrue(f.stderr().contains("final status: FAILED"), f.stderr());

    // scoring on YARN: the same predictions as scoring locally
    List<String> score = submit("client", "org.bnnspark.cli.Score");
    score.addAll(List.of("--model", hdfs + "/out/client", "--input", hdfs + "/data/idx", "--output", hdfs + "/scores",
        "--output-format", "csv"));
    JobRunner.Result s = JobRunner.run(env(), score.toArray(new String[0]));
    assertEquals(0, s.exitCode(), s.stdout() + s.stderr());
    JobRunner.Result localScore = JobRunner.run(Map.of(), "jobs/score.sh", "--master", "local[2]", "--model", tmp.resolve("local").toString(),
        "--input", localData.toString(), "--output", tmp.resolve("local-scores").toString(), "--output-format", "csv");
    assertEquals(0, localScore.exitCode(), localScore.stderr());
    assertEquals(csvRows(tmp.resolve("local-scores")), hdfsCsvRows(hdfs + "/scores"));
  }

  @Test
  void aKilledExecutorContainerChangesNoByte() throws Exception {
    Path slow = tmp.resolve("slow.json");
    Files.writeString(slow, TestData.CONFIG.replace("\"batch_size\": 64", "\"batch_size\": 16"));
    Path bigger = TestData.write(tmp.resolve("idx-bigger"), 3000, 300, false);
    MiniHdfs.upload(dfs, bigger, hdfs + "/data/bigger");
    JobRunner.Result local = JobRunner.train("--data", bigger.toString(), "--config", slow.toString(), "--partitions", "2",
        "--master", "local[2]", "--output", tmp.resolve("local-bigger").toString(), "--quiet");
    assertEquals(0, local.exitCode(), local.stderr());

    List<String> cmd = submit("client", "org.bnnspark.cli.Train");
    cmd.addAll(List.of("--data", hdfs + "/data/bigger", "--config", slow.toString(), "--partitions", "2", "--quiet", "--output",
        hdfs + "/out/killed"));
    Path log = tmp.resolve("killed.log");
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().putAll(env());
    pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
    pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
    pb.environment().remove("SPARK_HOME");
    Process job = pb.start();
    try {
      JobRunner.await("training to start", () -> read(log).contains("steps/epoch"), job);
      Thread.sleep(3000);
      // the NodeManager runs in this JVM: its containers are our descendants
      ProcessHandle executor = ProcessHandle.current().descendants()
          .filter(h -> h.info().commandLine().orElse("").contains("YarnCoarseGrainedExecutorBackend")).findFirst()
          .orElseThrow(() -> new AssertionError("no executor container runs:\n" + read(log)));
      executor.destroyForcibly();
      assertTrue(job.waitFor(5, TimeUnit.MINUTES), "training did not finish after the container loss");
      assertEquals(0, job.exitValue(), read(log));
    } finally {
      job.descendants().forEach(ProcessHandle::destroyForcibly);
      job.destroyForcibly();
    }
    assertArrayEquals(Files.readAllBytes(tmp.resolve("local-bigger/model.bnn")), hdfsBytes(hdfs + "/out/killed/model.bnn"),
        "a run that lost an executor container must end with the fault-free model");
  }

  private static List<String> csvRows(Path dir) throws IOException {
    List<String> rows = new ArrayList<>();
    try (var files = Files.list(dir)) {
      for (Path f : files.filter(f -> f.getFileName().toString().endsWith(".csv")).toList()) {
        Files.readAllLines(f).stream().filter(l -> !l.startsWith("index")).forEach(rows::add);
      }
    }
    rows.sort(null);
    return rows;
  }

  private static List<String> hdfsCsvRows(String dir) throws IOException {
    List<String> rows = new ArrayList<>();
    for (var st : fs.listStatus(new org.apache.hadoop.fs.Path(dir))) {
      if (st.getPath().getName().endsWith(".csv")) {
        new String(hdfsBytes(st.getPath().toString()), java.nio.charset.StandardCharsets.UTF_8).lines()
            .filter(l -> !l.startsWith("index")).forEach(rows::add);
      }
    }
    rows.sort(null);
    return rows;
  }

  private static String read(Path log) {
    try {
      return Files.exists(log) ? Files.readString(log) : "";
    } catch (IOException e) {
      return "";
    }
  }
}
