package org.bnnspark.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The jobs against a real HDFS (a NameNode and a DataNode from hadoop-client-minicluster, on
 * 127.0.0.1): training reads its data from and writes checkpoints and models to hdfs://, resumes
 * from an HDFS checkpoint, and scoring reads and writes hdfs:// — with the same bytes as on the
 * local file system.
 */
class HdfsIT {
  @TempDir
  static Path tmp;
  static MiniDFSCluster cluster;
  static FileSystem fs;
  static String hdfs;
  static Path config;
  static Path localData;

  @BeforeAll
  static void start() throws Exception {
    cluster = MiniHdfs.start(tmp.resolve("dfs"));
    fs = cluster.getFileSystem();
    hdfs = MiniHdfs.uri(cluster);
    localData = TestData.write(tmp.resolve("idx"), 1200, 300, true);
    MiniHdfs.upload(cluster, localData, hdfs + "/data/idx");
    config = tmp.resolve("test.json");
    Files.writeString(config, TestData.CONFIG);
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.shutdown();
    }
  }

  private static byte[] read(String path) throws Exception {
    try (InputStream in = fs.open(new org.apache.hadoop.fs.Path(path))) {
      return in.readAllBytes();
    }
  }

  private static JobRunner.Result train(String data, String out, String... extra) throws Exception {
    java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("--data", data, "--config", config.toString(),
        "--partitions", "2", "--master", "local[2]", "--output", out, "--quiet"));
    args.addAll(java.util.List.of(extra));
    JobRunner.Result r = JobRunner.train(args.toArray(new String[0]));
    assertEquals(0, r.exitCode(), r.stdout() + r.stderr());
    return r;
  }

  @Test
  void trainResumeAndScoreOnHdfsGiveTheLocalBytes() throws Exception {
    Path local = tmp.resolve("local");
    JobRunner.Result localRun = train(localData.toString(), local.toString());

    // straight on HDFS: same model bytes, same printed accuracy
    JobRunner.Result hdfsRun = train(hdfs + "/data/idx", hdfs + "/runs/straight");
    assertEquals(localRun.lastLine(), hdfsRun.lastLine());
    assertArrayEquals(Files.readAllBytes(local.resolve("model.bnn")), read(hdfs + "/runs/straight/model.bnn"));
    assertArrayEquals(Files.readAllBytes(local.resolve("model.xnor")), read(hdfs + "/runs/straight/model.xnor"));
    assertTrue(fs.exists(new org.apache.hadoop.fs.Path(hdfs + "/runs/straight/checkpoints/epoch-0002.ckpt")));

    // stopped after epoch 1, resumed from the HDFS checkpoint: the same model
    JobRunner.Result first = train(hdfs + "/data/idx", hdfs + "/runs/halves", "--stop-after", "1");
    assertTrue(first.stdout().contains("continue with --resume"), first.stdout());
    assertFalse(fs.exists(new org.apache.hadoop.fs.Path(hdfs + "/runs/halves/model.bnn")));
    train(hdfs + "/data/idx", hdfs + "/runs/halves", "--resume");
    assertArrayEquals(Files.readAllBytes(local.resolve("model.bnn")), read(hdfs + "/runs/halves/model.bnn"));

    // scoring and evaluation read and write hdfs://
    JobRunner.Result score = JobRunner.run(Map.of(), "jobs/score.sh", "--model", hdfs + "/runs/straight", "--input",
        hdfs + "/data/idx", "--output", hdfs + "/preds", "--master", "local[2]");
    assertEquals(0, score.exitCode(), score.stderr());
    assertTrue(fs.exists(new org.apache.hadoop.fs.Path(hdfs + "/preds/_SUCCESS")));
    SparkSession spark = SparkSession.builder().sparkContext(SparkSessionsAccess.local(1).sc()).getOrCreate();
    try {
      assertEquals(300, spark.read().parquet(hdfs + "/preds").count());
    } finally {
      spark.stop();
    }
    JobRunner.Result eval = JobRunner.run(Map.of(), "jobs/evaluate.sh", "--model", hdfs + "/runs/straight/model.xnor",
        "--input", hdfs + "/data/idx");
    assertEquals(0, eval.exitCode(), eval.stderr());
    assertEquals(localRun.lastLine().replace("test_accuracy=", "accuracy="), eval.lastLine());
    assertTrue(new String(read(hdfs + "/runs/straight/evaluation.json")).contains("\"confusion_matrix\""));
  }
}
