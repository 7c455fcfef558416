package org.bnnspark.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The application jar as any Spark application: plain {@code spark-submit --class … bnn-spark-app.jar}
 * (Spark's own launcher, {@code jobs/spark-submit}), with no {@code --jars} and none of our settings,
 * under Spark's default serializer, under Kryo without our registrator and with ours; the wrappers
 * passing spark-submit's options through and merging our defaults under the site's.
 */
class SparkSubmitIT {
  @TempDir
  static Path tmp;
  static Path data;
  static Path config;
  static final Path APP_JAR = Path.of("target/bnn-spark-app.jar").toAbsolutePath();

  @BeforeAll
  static void data() throws Exception {
    data = TestData.write(tmp.resolve("idx"), 1200, 300, false);
    config = tmp.resolve("test.json");
    Files.writeString(config, TestData.CONFIG);
  }

  static JobRunner.Result submit(Map<String, String> env, String main, String jar, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("jobs/spark-submit"));
    List<String> all = new ArrayList<>(List.of(args));
    int cls = all.indexOf("--");
    cmd.addAll(all.subList(0, cls));
    cmd.addAll(List.of("--class", main, jar));
    cmd.addAll(all.subList(cls + 1, all.size()));
    return JobRunner.run(env, cmd.toArray(new String[0]));
  }

  @Test
  void plainSparkSubmitTrainsAndScoresUnderEverySerializer() throws Exception {
    String[][] settings = {
        {}, // Spark's defaults: Java serialization
        {"--conf", "spark.serializer=org.apache.spark.serializer.KryoSerializer"},
        {"--conf", "spark.serializer=org.apache.spark.serializer.KryoSerializer", "--conf", "spark.kryo.registrationRequired=true",
            "--conf", "spark.kryo.registrator=org.bnnspark.spark.BnnKryoRegistrator"},
    };
    byte[] reference = null;
    for (int i = 0; i < settings.length; i++) {
      Path out = tmp.resolve("plain-" + i);
      List<String> args = new ArrayList<>(List.of("--master", "local[2]"));
      args.addAll(List.of(settings[i]));
      args.addAll(List.of("--", "--data", data.toString(), "--config", config.toString(), "--partitions", "2", "--output",
          out.toString(), "--quiet"));
      JobRunner.Result r = submit(Map.of(), "org.bnnspark.cli.Train", APP_JAR.toString(), args.toArray(new String[0]));
      assertEquals(0, r.exitCode(), String.join(" ", settings[i]) + "\n" + r.stdout() + r.stderr());
      assertTrue(r.lastLine().startsWith("test_accuracy="), r.stdout());
      assertTrue(Files.exists(out.resolve("report.html")), "the shaded chart library draws the report");
      // Spark's built-in logging profile is swapped for ours once the context runs: no per-task INFO lines
      assertFalse(r.stderr().contains("INFO TaskSetManager"), r.stderr());
      byte[] model = Files.readAllBytes(out.resolve("model.bnn"));
      if (reference == null) {
        reference = model;
      } else {
        assertArrayEquals(reference, model, "the serializer must not change the model");
      }
      Path scores = tmp.resolve("scores-" + i);
      List<String> scoreArgs = new ArrayList<>(List.of("--master", "local[2]"));
      scoreArgs.addAll(List.of(settings[i]));
      scoreArgs.addAll(List.of("--", "--model", out.toString(), "--input", data.toString(),
          "--output", scores.toString()));
      JobRunner.Result s = submit(Map.of(), "org.bnnspark.cli.Score", APP_JAR.toString(), scoreArgs.toArray(new String[0]));
      assertEquals(0, s.exitCode(), s.stdout() + s.stderr());
      assertTrue(Files.exists(scores.resolve("_SUCCESS")), s.stdout());
    }
  }

  @Test
  void aFailingReportNeverCostsTheModelOrACheckpoint() throws Exception {
    // our classes alone (no shaded chart library) on a Spark home without JFreeChart: the report
    // cannot be drawn, exactly as with a hand-made classpath
    Path home = tmp.resolve("spark-home-no-charts");
    Files.createDirectories(home.resolve("jars"));
    Files.writeString(home.resolve("RELEASE"), "test\n");
    try (var jars = Files.list(Path.of("target/jars"))) {
      for (Path j : jars.filter(j -> !j.getFileName().toString().startsWith("jfreechart")).toList()) {
        Files.createSymbolicLink(home.resolve("jars").resolve(j.getFileName()), j.toAbsolutePath());
      }
    }
    Path out = tmp.resolve("no-charts");
    JobRunner.Result r = submit(Map.of("SPARK_HOME", home.toString()), "org.bnnspark.cli.Train",
        Path.of("target/bnn-spark.jar").toAbsolutePath().toString(), "--master", "local[2]", "--", "--data", data.toString(),
        "--config", config.toString(), "--partitions", "2", "--output", out.toString(), "--quiet");
    assertEquals(0, r.exitCode(), r.stdout() + r.stderr());
    assertTrue(r.stderr().contains("warning: " + out.resolve("report.html") + " not written: "), r.stderr());
    assertTrue(r.stderr().contains("XYDataset") || r.stderr().contains("jfree"), r.stderr());
    assertTrue(Files.size(out.resolve("model.bnn")) > 0 && Files.size(out.resolve("model.xnor")) > 0);
    try (var ckpts = Files.list(out.resolve("checkpoints"))) {
      assertTrue(ckpts.anyMatch(p -> p.getFileName().toString().startsWith("epoch-")), "checkpoints were written");
    }
    assertFalse(Files.exists(out.resolve("report.html")));
    assertTrue(r.lastLine().startsWith("test_accuracy="), r.stdout());
  }

  @Test
  void theWrapperPassesSparkOptionsThroughAndKeepsTheSitesDefaults() throws Exception {
    Path site = tmp.resolve("site-conf");
    Files.createDirectories(site);
    Files.writeString(site.resolve("spark-defaults.conf"), """
        spark.executor.memory            700m
        spark.sql.shuffle.partitions     3
        spark.kryo.registrator           org.example.SiteRegistrator
        """);
    JobRunner.Result r = JobRunner.run(Map.of("SPARK_CONF_DIR", site.toString()), "jobs/train.sh", "--verbose",
        "--conf", "spark.driver.maxResultSize=3g", "--executor-cores", "1", "--deploy-mode", "client", "--name", "site-test",
        "--help");
    assertEquals(0, r.exitCode(), r.stdout() + r.stderr());
    String all = r.stdout() + r.stderr();
    // spark-submit --verbose lists the properties it runs with
    assertTrue(all.contains("(spark.executor.memory,700m)"), "the site's key stays: " + all);
    assertTrue(all.contains("(spark.sql.shuffle.partitions,3)"), "the site's value wins over ours: " + all);
    assertTrue(all.contains("(spark.driver.maxResultSize,3g)"), "the user's --conf wins over ours: " + all);
    assertTrue(all.contains("(spark.kryo.registrator,org.example.SiteRegistrator,org.bnnspark.spark.BnnKryoRegistrator)"),
        "our registrator joins the site's: " + all);
    assertTrue(all.contains("(spark.serializer,org.apache.spark.serializer.KryoSerializer)"), "ours where the site says nothing: " + all);
    assertTrue(all.matches("(?s).*executorCores\\s+1\\n.*") && all.contains("(spark.app.name,site-test)"), all);
    assertTrue(r.stdout().contains("jobs/train.sh --data PATH"), "the job's own --help: " + r.stdout());

    // a user's --properties-file replaces the site's file, as with spark-submit itself
    Path props = tmp.resolve("mine.conf");
    Files.writeString(props, "spark.sql.shuffle.partitions 5\n");
    JobRunner.Result p = JobRunner.run(Map.of("SPARK_CONF_DIR", site.toString()), "jobs/train.sh", "--verbose",
        "--properties-file", props.toString(), "--help");
    assertEquals(0, p.exitCode(), p.stdout() + p.stderr());
    String pAll = p.stdout() + p.stderr();
    assertTrue(pAll.contains("(spark.sql.shuffle.partitions,5)"), pAll);
    assertFalse(pAll.contains("(spark.executor.memory,700m)"), pAll);
  }
}
