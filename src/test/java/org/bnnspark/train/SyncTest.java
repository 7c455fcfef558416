package org.bnnspark.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.bnnspark.nn.ConfigException;
import org.junit.jupiter.api.Test;

/** Synchronization strategies in one process: configuration, the sign codec, resume, learning. */
class SyncTest {
  static ModelConfig withSync(String sync) {
    return ModelConfig.parse(TrainingTest.BNN.replace("\"schedule\": {\"type\": \"cosine\", \"lr\": 0.01}",
        "\"schedule\": {\"type\": \"cosine\", \"lr\": 0.01}, \"sync\": " + sync), "sync-test");
  }

  static List<List<RowBlock>> parts(RowBlock data, int k) {
    List<List<RowBlock>> out = new ArrayList<>();
    for (RowBlock b : SyntheticData.split(data, k)) {
      out.add(List.of(b));
    }
    return out;
  }

  @Test
  void badSyncConfigurationsAreOneLineErrors() {
    String[][] cases = {
        {"{\"strategy\": \"local\", \"local_steps\": 0}", "local_steps must be at least 1"},
        {"{\"strategy\": \"gossip\"}", "unknown sync strategy 'gossip' (expected one of: every_step, local)"},
        {"{\"strategy\": \"every_step\", \"compression\": \"sign_ef\"}", "belong to strategy \"local\""},
        {"{\"strategy\": \"local\", \"compression\": \"zip\"}", "unknown compression 'zip'"},
        {"{\"strategy\": \"local\", \"compression\": \"sign_ef\", \"inner_state\": \"averaged\"}", "use inner_state \"reset\""},
        {"{\"strategy\": \"local\", \"outer\": \"adam\"}", "unknown outer 'adam'"},
        {"{\"strategy\": \"local\", \"steps\": 4}", "steps"},
    };
    for (String[] c : cases) {
      ConfigException e = assertThrows(ConfigException.class, () -> withSync(c[0]), c[0]);
      assertTrue(e.getMessage().contains(c[1]), c[0] + " -> " + e.getMessage());
      assertTrue(e.getMessage().startsWith("sync-test: training.sync: "), e.getMessage());
      assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }
    ConfigException bop = assertThrows(ConfigException.class, () -> ModelConfig.parse(TrainingTest.BNN
        .replace("{\"type\": \"adam\"}", "{\"type\": \"bop\"}")
        .replace("\"schedule\": {\"type\": \"cosine\", \"lr\": 0.01}",
            "\"schedule\": {\"type\": \"cosine\", \"lr\": 0.01}, \"sync\": {\"strategy\": \"local\", \"inner_state\": \"averaged\"}"),
        "bop"));
    assertTrue(bop.getMessage().contains("Bop"), bop.getMessage());
    assertEquals(SyncSpec.EVERY_STEP, config(TrainingTest.BNN).training().sync(), "no sync section: every_step");
    SyncSpec local = withSync("{\"strategy\": \"local\"}").training().sync();
    assertEquals(16, local.localSteps());
    assertEquals("partition", local.innerState(), "local keeps each partition's inner optimizer state by default");
    // overrides from the command line / Params keep what they do not name
    SyncSpec over = local.with(null, 5, "sign_ef");
    assertEquals(5, over.localSteps());
    assertTrue(over.compressed());
    assertEquals(SyncSpec.EVERY_STEP, over.with("every_step", null, null));
    assertThrows(ConfigException.class, () -> SyncSpec.EVERY_STEP.with(null, 4, null));
  }

  private static ModelConfig config(String text) {
    return ModelConfig.parse(text, "t");
  }

  @Test
  void signMessagesDecodeToScaleTimesSignAndTheResidualKeepsWhatWasNotSent() {
    SplittableRandom rng = new SplittableRandom(4);
    int n = 200;
    int[] tensors = {0, 63, 64, 65, 130, 200};
    float[] delta = new float[n];
    float[] e = new float[n];
    for (int i = 0; i < n; i++) {
      delta[i] = (float) (rng.nextGaussian() * 0.01);
      e[i] = (float) (rng.nextGaussian() * 0.001);
    }
    float[] p = new float[n];
    for (int i = 0; i < n; i++) {
      p[i] = delta[i] + e[i];
    }
    StepSums.SignMessage m = LocalSteps.encode(delta, e, tensors, 0, 7);
    StepSums sums = new StepSums(n, 0);
    sums.signed.add(m);
    sums.count = 7;
    float[] q = LocalSteps.decode(sums, tensors);
    for (int t = 0; t + 1 < tensors.length; t++) {
      double l1 = 0;
      for (int i = tensors[t]; i < tensors[t + 1]; i++) {
        l1 += Math.abs(p[i]);
      }
      float scale = (float) (l1 / (tensors[t + 1] - tensors[t]));
      assertEquals(scale, m.scales()[t], 1e-9, "tensor " + t);
      for (int i = tensors[t]; i < tensors[t + 1]; i++) {
        assertEquals(p[i] >= 0 ? scale : -scale, q[i], 1e-6 * scale, "value " + i);
        assertEquals(p[i] - (p[i] >= 0 ? scale : -scale), e[i], 1e-7, "residual " + i);
      }
    }
    // two partitions: example-weighted mean, and the order of the messages does not matter
    float[] e2 = new float[n];
    StepSums.SignMessage m2 = LocalSteps.encode(delta, e2, tensors, 1, 3);
    StepSums ab = new StepSums(n, 0);
    ab.signed.add(m);
    ab.signed.add(m2);
    ab.count = 10;
    StepSums ba = new StepSums(n, 0);
    ba.signed.add(m2);
    ba.signed.add(m);
    ba.count = 10;
    assertArrayEquals(LocalSteps.decode(ab, tensors), LocalSteps.decode(ba, tensors));
  }

  @Test
  void errorFeedbackSendsEverythingEventually() {
    // Σ_r q_r + e_R = Σ_r Δ_r: what the signs leave out is carried, never lost
    SplittableRandom rng = new SplittableRandom(9);
    int n = 150;
    int[] tensors = {0, 100, 150};
    float[] e = new float[n];
    double[] sent = new double[n];
    double[] wanted = new double[n];
    for (int r = 0; r < 40; r++) {
      float[] delta = new float[n];
      for (int i = 0; i < n; i++) {
        delta[i] = (float) (rng.nextGaussian() * 0.01 + (i < 100 ? 0.002 : -0.004));
        wanted[i] += delta[i];
      }
      StepSums sums = new StepSums(n, 0);
      sums.signed.add(LocalSteps.encode(delta, e, tensors, 0, 1));
      sums.count = 1;
      float[] q = LocalSteps.decode(sums, tensors);
      for (int i = 0; i < n; i++) {
        sent[i] += q[i];
      }
    }
    for (int i = 0; i < n; i++) {
      assertEquals(wanted[i], sent[i] + e[i], 1e-4, "value " + i);
    }
  }

  @Test
  void localStepsLearnAndEveryVariantIsDeterministic() {
    RowBlock all = SyntheticData.prototypes(2500, 32, 4, 0.15, 5);
    RowBlock train = SyntheticData.slice(all, 0, 2000);
    RowBlock test = SyntheticData.slice(all, 2000, 2500);
    for (String sync : List.of("{\"strategy\": \"local\", \"local_steps\": 4, \"inner_state\": \"reset\"}",
        "{\"strategy\": \"local\", \"local_steps\": 8, \"outer\": \"nesterov\"}",
        "{\"strategy\": \"local\", \"local_steps\": 4, \"inner_state\": \"averaged\"}",
        "{\"strategy\": \"local\", \"local_steps\": 4, \"compression\": \"sign_ef\", \"inner_state\": \"reset\"}",
        "{\"strategy\": \"local\", \"local_steps\": 4, \"compression\": \"sign_ef\"}")) {
      ModelConfig cfg = withSync(sync);
      cfg = cfg.withTraining(cfg.training().withEpochs(8));
      List<EpochMetrics> m = new ArrayList<>();
      TrainingState a = new TrainingState(cfg);
      LocalTrainer.train(a, parts(train, 3), List.of(test), m::add);
      double acc = m.get(m.size() - 1).validationAccuracy();
      assertTrue(acc >= 0.85, sync + ": held-out accuracy " + acc + " (chance 0.25)");
      assertTrue(m.get(m.size() - 1).trainLoss() < m.get(0).trainLoss(), sync + ": loss must fall");
      TrainingState b = new TrainingState(cfg);
      LocalTrainer.train(b, parts(train, 3), List.of(test), x -> { });
      assertArrayEquals(a.params, b.params, sync);
      assertArrayEquals(a.state, b.state, sync);
      assertEquals(8L * BatchPlan.stepsPerEpoch(2000, 50), a.globalStep);
      int steps = BatchPlan.stepsPerEpoch(2000, 50);
      assertEquals(8L * ((steps + cfg.training().sync().localSteps() - 1) / cfg.training().sync().localSteps()), a.round,
          sync + ": rounds never cross an epoch's end");
    }
  }

  @Test
  void straightRunEqualsStopCheckpointResumeUnderEveryStrategy() throws Exception {
    RowBlock data = SyntheticData.prototypes(900, 32, 4, 0.3, 12);
    for (String sync : List.of("{\"strategy\": \"every_step\"}",
        "{\"strategy\": \"local\", \"local_steps\": 5, \"outer\": \"nesterov\", \"inner_state\": \"averaged\"}",
        "{\"strategy\": \"local\", \"local_steps\": 3, \"compression\": \"sign_ef\", \"outer\": \"nesterov\", \"inner_state\": \"reset\"}",
        "{\"strategy\": \"local\", \"local_steps\": 4, \"inner_state\": \"partition\"}")) {
      ModelConfig cfg = withSync(sync);
      TrainingState straight = new TrainingState(cfg);
      LocalTrainer.train(straight, parts(data, 2), List.of(), PartitionStore.inMemory(), x -> { }, Integer.MAX_VALUE);

      PartitionStore store = PartitionStore.inMemory();
      TrainingState first = new TrainingState(cfg);
      LocalTrainer.train(first, parts(data, 2), List.of(), store, x -> { }, 2);
      assertEquals(2, first.epoch);
      ByteArrayOutputStream ckpt = new ByteArrayOutputStream();
      NetworkFile.writeCheckpoint(ckpt, first);
      TrainingState resumed = NetworkFile.readCheckpoint(new ByteArrayInputStream(ckpt.toByteArray()), "c.ckpt", cfg);
      assertEquals(first.round, resumed.round);
      LocalTrainer.train(resumed, parts(data, 2), List.of(), store, x -> { }, Integer.MAX_VALUE);
      assertArrayEquals(straight.params, resumed.params, sync + ": latent weights");
      assertArrayEquals(straight.state, resumed.state, sync + ": BatchNorm state");

      // a checkpoint of one strategy does not resume under another
      ModelConfig other = withSync("{\"strategy\": \"local\", \"local_steps\": 7}");
      java.io.IOException e = assertThrows(java.io.IOException.class,
          () -> NetworkFile.readCheckpoint(new ByteArrayInputStream(ckpt.toByteArray()), "c.ckpt", other));
      assertTrue(e.getMessage().contains("synchronization"), e.getMessage());
    }
  }
}
