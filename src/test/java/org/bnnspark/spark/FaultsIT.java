package org.bnnspark.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Killed jobs: a killed training driver resumes to the uninterrupted model; a killed scoring job reruns cleanly. */
class FaultsIT {
  @TempDir
  static Path tmp;

  /** SIGKILL, as a lost driver host would: no shutdown hooks, no cleanup. */
  private static void kill(Process p) throws InterruptedException {
    p.descendants().forEach(ProcessHandle::destroyForcibly);
    p.destroyForcibly();
    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
  }

  @Test
  void aDriverKilledMidEpochResumesToTheUninterruptedModel() throws Exception {
    Path data = TestData.write(tmp.resolve("idx"), 6000, 300, false);
    Path config = tmp.resolve("slow.json");
    // batch 16: ~375 steps per epoch, so the kill lands inside epoch 2
    Files.writeString(config, TestData.CONFIG.replace("\"epochs\": 2, \"batch_size\": 64", "\"epochs\": 3, \"batch_size\": 16"));
    List<String> common = List.of("jobs/train.sh", "--data", data.toString(), "--config", config.toString(), "--partitions", "2",
        "--master", "local[2]", "--quiet", "--output");

    Path straight = tmp.resolve("straight");
    JobRunner.Result r = JobRunner.run(java.util.Map.of(), concat(common, straight.toString()));
    assertEquals(0, r.exitCode(), r.stdout() + r.stderr());

    Path killed = tmp.resolve("killed");
    Process p = JobRunner.start(tmp.resolve("killed.log"), concat(common, killed.toString()));
    Path first = killed.resolve("checkpoints/epoch-0001.ckpt");
    JobRunner.await("the first checkpoint", () -> Files.exists(first), p);
    Thread.sleep(1500); // into epoch 2
    kill(p);
    byte[] checkpoint = Files.readAllBytes(first);
    // what a kill during a checkpoint write leaves: the resumed run must ignore and remove it
    Files.writeString(killed.resolve("checkpoints/.epoch-0002.ckpt.tmp-interrupted"), "half a checkpoint");
    JobRunner.Result resumed = JobRunner.run(java.util.Map.of(), concat(common, killed.toString(), "--resume"));
    assertEquals(0, resumed.exitCode(), resumed.stdout() + resumed.stderr());
    assertTrue(resumed.stdout().contains("resuming from") && resumed.stdout().contains("removed 1 temporary file"),
        resumed.stdout());
    assertArrayEquals(Files.readAllBytes(straight.resolve("model.bnn")), Files.readAllBytes(killed.resolve("model.bnn")));
    assertEquals(r.lastLine(), resumed.lastLine());
    if (Files.exists(first)) { // kept checkpoints may have rotated it out; if still there, it is untouched
      assertArrayEquals(checkpoint, Files.readAllBytes(first));
    }
    try (Stream<Path> left = Files.list(killed.resolve("checkpoints"))) {
      assertTrue(left.map(f -> f.getFileName().toString()).noneMatch(n -> n.contains(".tmp-") && !n.endsWith(".crc")),
          "no temporary checkpoint files left");
    }
  }

  @Test
  void aKilledScoringJobRerunsToCompleteOutputWithoutDuplicates() throws Exception {
    Path data = TestData.write(tmp.resolve("score-idx"), 1200, 200000, false);
    Path config = tmp.resolve("test.json");
    Files.writeString(config, TestData.CONFIG);
    Path model = tmp.resolve("model");
    JobRunner.Result trained = JobRunner.train("--data", data.toString(), "--config", config.toString(), "--partitions", "2",
        "--master", "local[2]", "--output", model.toString(), "--quiet");
    assertEquals(0, trained.exitCode(), trained.stderr());

    Path out = tmp.resolve("preds");
    String[] score = {"jobs/score.sh", "--model", model.toString(), "--input", data.toString(), "--output", out.toString(),
        "--master", "local[2]", "--probabilities"};
    Process p = JobRunner.start(tmp.resolve("score.log"), score);
    JobRunner.await("the staging directory", () -> staging(out) > 0, p);
    kill(p);
    assertTrue(!Files.exists(out), "a killed job leaves nothing at the final path");

    JobRunner.Result rerun = JobRunner.run(java.util.Map.of(), score);
    assertEquals(0, rerun.exitCode(), rerun.stderr());
    assertEquals(0, staging(out), "the leftover staging directory is removed");
    SparkSession spark = SparkSession.builder().sparkContext(SparkSessionsAccess.local(1).sc()).getOrCreate();
    try {
      Dataset<Row> preds = spark.read().parquet(out.toString());
      assertEquals(200000, preds.count());
      assertEquals(200000, preds.select("index").distinct().count());
    } finally {
      spark.stop();
    }
    try (Stream<Path> files = Files.list(out)) {
      assertTrue(files.map(f -> f.getFileName().toString())
          .allMatch(n -> n.startsWith("part-") || n.equals("_SUCCESS") || n.startsWith(".part-") || n.equals("._SUCCESS.crc")));
    }
  }

  private static long staging(Path out) {
    try (Stream<Path> s = Files.list(out.getParent())) {
      return s.filter(f -> f.getFileName().toString().startsWith("." + out.getFileName() + ".staging-")).count();
    } catch (IOException e) {
      return 0;
    }
  }

  private static String[] concat(List<String> head, String... tail) {
    List<String> all = new ArrayList<>(head);
    all.addAll(List.of(tail));
    return all.toArray(new String[0]);
  }
}
