package org.bnnspark.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.bnnspark.nn.Network;
import org.bnnspark.train.BatchPlan;
import org.bnnspark.train.LocalTrainer;
import org.bnnspark.train.ModelConfig;
import org.bnnspark.train.RowBlock;
import org.bnnspark.train.StepSums;
import org.bnnspark.train.TrainingState;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Spark trainer against the single-process engine, on a local[2] Spark with Kryo registration required. */
class DistributedTrainerTest {
  @TempDir
  static Path tmp;
  static JavaSparkContext jsc;
  static String[] trainFiles;

  @BeforeAll
  static void start() throws Exception {
    Path dir = TestData.write(tmp.resolve("idx"), 630, 200, false);
    jsc = SparkSessions.local(2);
    trainFiles = TrainingData.idxPair(dir.toString(), "train", jsc.hadoopConfiguration());
  }

  @AfterAll
  static void stop() {
    jsc.stop();
  }

  /** The partitions' rows, collected in partition order (exactly what each Spark task sees). */
  private static List<List<RowBlock>> partitions(JavaRDD<RowBlock> rdd) {
    List<List<RowBlock>> out = new ArrayList<>();
    for (List<RowBlock> p : rdd.glom().collect()) {
      out.add(p);
    }
    return out;
  }

  @Test
  void gradientOverKPartitionsEqualsTheSingleProcessGradientOfTheSameExamples() {
    ModelConfig cfg = ModelConfig.parse(TestData.CONFIG_NO_BN, "no-bn");
    for (int k : new int[] {1, 2, 3, 7}) {
      JavaRDD<RowBlock> rdd = TrainingData.idx(jsc, trainFiles[0], trainFiles[1], cfg.network(), k);
      DistributedTrainer trainer = new DistributedTrainer(jsc, rdd, null, 0);
      TrainingState s = new TrainingState(cfg);
      int steps = trainer.stepsPerEpoch(cfg.training());
      int step = 2;
      StepSums spark = trainer.step(s, 0, step, steps);

      // the same examples, gathered from every partition's slice, in one batch in one process
      List<List<RowBlock>> parts = partitions(rdd);
      List<float[]> rows = new ArrayList<>();
      List<Integer> labels = new ArrayList<>();
      for (int p = 0; p < parts.size(); p++) {
        RowBlock all = parts.get(p).get(0);
        assertEquals(1, parts.get(p).size());
        int[] order = BatchPlan.permutation(cfg.training().seed(), 0, p, all.rows);
        for (int i = BatchPlan.sliceStart(all.rows, step, steps); i < BatchPlan.sliceStart(all.rows, step + 1, steps); i++) {
          rows.add(java.util.Arrays.copyOfRange(all.x, order[i] * all.features, (order[i] + 1) * all.features));
          labels.add(all.labels[order[i]]);
        }
      }
      int n = rows.size();
      float[] x = new float[n * 64];
      int[] y = new int[n];
      for (int r = 0; r < n; r++) {
        System.arraycopy(rows.get(r), 0, x, r * 64, 64);
        y[r] = labels.get(r);
      }
      Network net = new Network(cfg.network());
      float[] grad = new float[net.paramCount()];
      net.trainBatch(s.params, s.state, x, y, n, grad, new double[0]);

      assertEquals(n, spark.count, "k=" + k);
      double[] sums = spark.gradientSums();
      double diff = 0;
      double norm = 0;
      for (int i = 0; i < grad.length; i++) {
        diff += (sums[i] - grad[i]) * (sums[i] - grad[i]);
        norm += (double) grad[i] * grad[i];
      }
      assertTrue(norm > 0);
      assertTrue(Math.sqrt(diff / norm) < 1e-5, "k=" + k + ": relative difference " + Math.sqrt(diff / norm));
      rdd.unpersist();
    }
  }

  @Test
  void batchNormNetworkOnSparkEqualsTheSingleProcessSimulationOfTheSamePartitioning() {
    ModelConfig cfg = ModelConfig.parse(TestData.CONFIG, "bn");
    JavaRDD<RowBlock> rdd = TrainingData.idx(jsc, trainFiles[0], trainFiles[1], cfg.network(), 3);
    TrainingState spark = new TrainingState(cfg);
    List<Double> flips = new ArrayList<>();
    new DistributedTrainer(jsc, rdd, null, 2).train(spark, m -> flips.add(m.flipRatio()), s -> { }, null);

    TrainingState local = new TrainingState(cfg);
    LocalTrainer.train(local, partitions(rdd), List.of(), m -> { });
    assertArrayEquals(local.params, spark.params, "latent weights");
    assertArrayEquals(local.state, spark.state, "BatchNorm running statistics");
    assertEquals(2, flips.size());
    assertTrue(flips.get(0) > 0, "weights must flip in the first epoch");
    rdd.unpersist();
  }

  /** The test configuration with a training.sync section. */
  static ModelConfig withSync(String sync) {
    return ModelConfig.parse(TestData.CONFIG.replace("\"schedule\": {\"type\": \"cosine\", \"lr\": 0.01}",
        "\"schedule\": {\"type\": \"cosine\", \"lr\": 0.01}, \"sync\": " + sync), "sync");
  }

  @Test
  void localStepsOnSparkEqualTheSingleProcessSimulationUnderEveryVariant() throws Exception {
    JavaRDD<RowBlock> rdd = null;
    long everyStepBytes = 0;
    long compressedBytes = 0;
    for (String sync : List.of("{\"strategy\": \"every_step\"}",
        "{\"strategy\": \"local\", \"local_steps\": 3, \"outer\": \"nesterov\", \"inner_state\": \"averaged\"}",
        "{\"strategy\": \"local\", \"local_steps\": 4, \"compression\": \"sign_ef\", \"inner_state\": \"partition\"}")) {
      ModelConfig cfg = withSync(sync);
      if (rdd == null) {
        rdd = TrainingData.idx(jsc, trainFiles[0], trainFiles[1], cfg.network(), 3);
      }
      TrainingState spark = new TrainingState(cfg);
      DistributedTrainer trainer = new DistributedTrainer(jsc, rdd, null, 2)
          .withPartitionStateDirectory(tmp.resolve("residuals-" + sync.hashCode()).toUri().toString());
      trainer.train(spark, m -> { }, s -> { }, null);

      TrainingState local = new TrainingState(cfg);
      LocalTrainer.train(local, partitions(rdd), List.of(), m -> { });
      assertArrayEquals(local.params, spark.params, sync + ": latent weights");
      assertArrayEquals(local.state, spark.state, sync + ": BatchNorm running statistics");
      assertEquals(local.round, spark.round, sync);
      Thread.sleep(500); // the listener bus delivers task ends asynchronously
      if (cfg.training().sync().compressed()) {
        compressedBytes = trainer.resultBytes();
      } else if (cfg.training().sync().strategy().equals("every_step")) {
        everyStepBytes = trainer.resultBytes();
      }
    }
    assertTrue(everyStepBytes > 0, "the listener counts result bytes");
    // 64-bit sums per parameter every step vs 1 bit per parameter every 4 steps
    assertTrue(compressedBytes * 16 < everyStepBytes, "compressed " + compressedBytes + " vs every_step " + everyStepBytes);
    rdd.unpersist();
  }
}
