package org.bnnspark.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.bnnspark.nn.Layer;
import org.junit.jupiter.api.Test;

class TrainingTest {
  static final String BNN = """
      {
        "name": "tiny-bnn",
        // binary weights and activations in every hidden layer
        "network": {"input_size": 32, "classes": 4, "layers": [
          {"type": "binary_dense", "units": 64}, {"type": "batch_norm"}, {"type": "sign"},
          {"type": "binary_dense", "units": 64}, {"type": "batch_norm"}, {"type": "sign"},
          {"type": "binary_dense", "units": 4}, {"type": "batch_norm"}
        ]},
        "training": {"epochs": 4, "batch_size": 50, "seed": 11,
                     "optimizer": {"type": "adam"}, "schedule": {"type": "cosine", "lr": 0.01}}
      }""";

  static ModelConfig config() {
    return ModelConfig.parse(BNN, "test");
  }

  static TrainingState train(ModelConfig cfg, RowBlock data, int partitions, RowBlock validation, List<EpochMetrics> metrics) {
    TrainingState s = new TrainingState(cfg);
    List<List<RowBlock>> parts = new ArrayList<>();
    for (RowBlock b : SyntheticData.split(data, partitions)) {
      parts.add(List.of(b));
    }
    LocalTrainer.train(s, parts, List.of(validation), metrics::add);
    return s;
  }

  @Test
  void smallBnnLearnsGeneratedDataWellAboveChance() {
    // one draw (one set of class prototypes), split into training and held-out rows
    RowBlock all = SyntheticData.prototypes(2500, 32, 4, 0.15, 5);
    RowBlock train = SyntheticData.slice(all, 0, 2000);
    RowBlock test = SyntheticData.slice(all, 2000, 2500);
    List<EpochMetrics> metrics = new ArrayList<>();
    train(config().withTraining(config().training().withEpochs(10)), train, 1, test, metrics);
    metrics.forEach(m -> System.out.println(m.toLine()));
    assertEquals(10, metrics.size());
    double acc = metrics.get(9).validationAccuracy();
    assertTrue(acc >= 0.90, "held-out accuracy " + acc + " (chance is 0.25)");
    assertTrue(metrics.get(9).trainLoss() < metrics.get(0).trainLoss(), "loss must fall");
  }

  @Test
  void latentWeightsStayInsideMinusOneOneAfterEveryStep() {
    // a large constant rate, so that a few steps drive weights into the clip
    ModelConfig cfg = config().withTraining(new TrainingSpec(1, 50, 1, "adam", 0.9, 0.999, 1e-8, 0, false, 1e-8, 1e-4,
        new Schedule("constant", 1.0, 0, 1, 0), SyncSpec.EVERY_STEP));
    TrainingState s = new TrainingState(cfg);
    RowBlock data = SyntheticData.prototypes(400, 32, 4, 0.3, 6);
    PartitionStep step = new PartitionStep(s.network);
    int steps = BatchPlan.stepsPerEpoch(data.rows, 50);
    boolean sawSaturation = false;
    for (int k = 0; k < steps; k++) {
      StepSums sums = new StepSums(s.network.paramCount(), s.network.stateCount());
      step.compute(s.params, s.state, List.of(data), 1, 0, k, steps, 0, sums);
      s.apply(sums, steps);
      for (Layer layer : s.network.layers()) {
        for (int i = 0; i < layer.binaryWeightCount(); i++) {
          float w = s.params[layer.binaryWeightOffset() + i];
          assertTrue(w >= -1f && w <= 1f, "latent weight " + w + " outside [-1, 1] after step " + k);
          sawSaturation |= Math.abs(w) == 1f;
        }
      }
    }
    assertTrue(sawSaturation, "Adam at lr 1 (steps of about 1) should push some weight to the clip; the test checks nothing otherwise");
  }

  @Test
  void sameSeedAndDataGiveTheSameWeightsBitForBit() {
    RowBlock data = SyntheticData.prototypes(600, 32, 4, 0.3, 7);
    ModelConfig cfg = config().withTraining(config().training().withEpochs(2));
    TrainingState a = train(cfg, data, 3, data, new ArrayList<>());
    TrainingState b = train(cfg, data, 3, data, new ArrayList<>());
    assertArrayEquals(a.params, b.params);
    assertArrayEquals(a.state, b.state);
    TrainingState c = train(cfg.withTraining(cfg.training().withSeed(12)), data, 3, data, new ArrayList<>());
    assertFalse(java.util.Arrays.equals(a.params, c.params), "another seed must give other weights");
  }

  @Test
  void partialSumsMergeInAnyOrderToTheSameBits() {
    TrainingState s = new TrainingState(config());
    RowBlock data = SyntheticData.prototypes(300, 32, 4, 0.3, 8);
    List<RowBlock> parts = SyntheticData.split(data, 5);
    List<StepSums> partial = new ArrayList<>();
    PartitionStep step = new PartitionStep(s.network);
    for (int k = 0; k < parts.size(); k++) {
      StepSums p = new StepSums(s.network.paramCount(), s.network.stateCount());
      step.compute(s.params, s.state, List.of(parts.get(k)), 1, 0, 0, 2, k, p);
      partial.add(p);
    }
    StepSums forward = new StepSums(s.network.paramCount(), s.network.stateCount());
    StepSums backward = new StepSums(s.network.paramCount(), s.network.stateCount());
    for (int k = 0; k < partial.size(); k++) {
      forward.merge(partial.get(k));
      backward.merge(partial.get(partial.size() - 1 - k));
    }
    StepSums tree = new StepSums(s.network.paramCount(), s.network.stateCount())
        .merge(new StepSums(s.network.paramCount(), s.network.stateCount()).merge(partial.get(3)).merge(partial.get(0)))
        .merge(new StepSums(s.network.paramCount(), s.network.stateCount()).merge(partial.get(4)).merge(partial.get(2)).merge(partial.get(1)));
    assertArrayEquals(forward.fixedSums(), backward.fixedSums());
    assertArrayEquals(forward.fixedSums(), tree.fixedSums());
    assertArrayEquals(forward.stats, tree.stats);
    assertEquals(forward.count, 150);
  }

  @Test
  void everyRowIsUsedExactlyOncePerEpoch() {
    int n = 37;
    int steps = 5;
    int[] order = BatchPlan.permutation(3, 2, 1, n);
    boolean[] seen = new boolean[n];
    for (int s = 0; s < steps; s++) {
      for (int i = BatchPlan.sliceStart(n, s, steps); i < BatchPlan.sliceStart(n, s + 1, steps); i++) {
        assertFalse(seen[order[i]]);
        seen[order[i]] = true;
      }
    }
    for (boolean b : seen) {
      assertTrue(b);
    }
    assertFalse(java.util.Arrays.equals(order, BatchPlan.permutation(3, 3, 1, n)), "each epoch reshuffles");
  }
}
