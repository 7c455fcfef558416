package org.bnnspark.train;

import java.io.Serializable;
import java.util.List;
import java.util.Set;
import org.bnnspark.nn.ConfigNode;
import org.bnnspark.nn.Layer;
import org.bnnspark.nn.Network;

/**
 * How to train: the {@code "training"} object of a configuration file.
 * <pre>
 *   "training": {
 *     "epochs": 5, "batch_size": 100, "seed": 42,
 *     "optimizer": {"type": "adam", "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8},   // or adamax, sgd (momentum, nesterov),
 *                  // or bop (threshold, adaptivity; Adam with beta1/beta2/epsilon for the real-valued parameters)
 *     "schedule":  {"type": "cosine", "lr": 0.01, "min": 0},                           // or constant, step (gamma, every), exponential (gamma)
 *     "sync":      {"strategy": "local", "local_steps": 16}                             // see SyncSpec (default every_step)
 *   }
 * </pre>
 */
public record TrainingSpec(int epochs, int batchSize, long seed, String optimizer, double beta1, double beta2,
    double epsilon, double momentum, boolean nesterov, double bopThreshold, double bopAdaptivity, Schedule schedule,
    SyncSpec sync)
    implements Serializable {

  public static final List<String> OPTIMIZERS = List.of("sgd", "adam", "adamax", "bop");

  public static TrainingSpec parse(ConfigNode c) {
    c.allowOnly(Set.of("epochs", "batch_size", "seed", "optimizer", "schedule", "sync"));
    ConfigNode o = c.objectOrEmpty("optimizer");
    o.allowOnly(Set.of("type", "beta1", "beta2", "epsilon", "momentum", "nesterov", "threshold", "adaptivity"));
    String type = o.string("type", "adam");
    if (!OPTIMIZERS.contains(type)) {
      throw o.error("unknown optimizer '" + type + "' (expected one of: " + String.join(", ", OPTIMIZERS) + ")");
    }
    ConfigNode s = c.objectOrEmpty("schedule");
    s.allowOnly(Set.of("type", "lr", "gamma", "every", "min"));
    String st = s.string("type", "constant");
    if (!Schedule.TYPES.contains(st)) {
      throw s.error("unknown schedule '" + st + "' (expected one of: " + String.join(", ", Schedule.TYPES) + ")");
    }
    Schedule schedule = new Schedule(st, s.number("lr", 0.01, 1e-9, 100), s.number("gamma", 0.1, 0, 1),
        s.positiveInt("every", 1), s.number("min", 0, 0, 100));
    SyncSpec sync = SyncSpec.parse(c.has("sync") ? c.object("sync") : null);
    if (!sync.innerState().equals("reset") && type.equals("bop")) {
      throw c.error("sync: inner_state \"" + sync.innerState() + "\" keeps Adam/AdaMax/SGD state across rounds; with Bop "
          + "use inner_state \"reset\"");
    }
    return new TrainingSpec(c.positiveInt("epochs", 5), c.positiveInt("batch_size", 100), c.longValue("seed", 42),
        type, o.number("beta1", 0.9, 0, 0.999999), o.number("beta2", 0.999, 0, 0.99999999), o.number("epsilon", 1e-8, 0, 1),
        o.number("momentum", 0.9, 0, 0.9999), o.bool("nesterov", false), o.number("threshold", 1e-8, 0, 1),
        o.number("adaptivity", 1e-4, 1e-9, 1), schedule, sync);
  }

  public TrainingSpec withSync(SyncSpec s) {
    if (!s.innerState().equals("reset") && optimizer.equals("bop")) {
      throw new org.bnnspark.nn.ConfigException("sync: inner_state \"" + s.innerState() + "\" cannot be used with the bop optimizer");
    }
    return new TrainingSpec(epochs, batchSize, seed, optimizer, beta1, beta2, epsilon, momentum, nesterov, bopThreshold,
        bopAdaptivity, schedule, s);
  }

  public TrainingSpec withSchedule(Schedule s) {
    return new TrainingSpec(epochs, batchSize, seed, optimizer, beta1, beta2, epsilon, momentum, nesterov, bopThreshold,
        bopAdaptivity, s, sync);
  }

  public TrainingSpec withEpochs(int e) {
    return new TrainingSpec(e, batchSize, seed, optimizer, beta1, beta2, epsilon, momentum, nesterov, bopThreshold,
        bopAdaptivity, schedule, sync);
  }

  public TrainingSpec withBatchSize(int b) {
    return new TrainingSpec(epochs, b, seed, optimizer, beta1, beta2, epsilon, momentum, nesterov, bopThreshold,
        bopAdaptivity, schedule, sync);
  }

  public TrainingSpec withSeed(long s) {
    return new TrainingSpec(epochs, batchSize, s, optimizer, beta1, beta2, epsilon, momentum, nesterov, bopThreshold,
        bopAdaptivity, schedule, sync);
  }

  public Optimizer newOptimizer(Network network) {
    int size = network.paramCount();
    return switch (optimizer) {
      case "sgd" -> new Sgd(size, (float) momentum, nesterov);
      case "adam" -> new Adam(size, false, (float) beta1, (float) beta2, (float) epsilon);
      case "adamax" -> new Adam(size, true, (float) beta1, (float) beta2, (float) epsilon);
      case "bop" -> {
        boolean[] binary = new boolean[size];
        for (Layer layer : network.leafLayers()) {
          java.util.Arrays.fill(binary, layer.binaryWeightOffset(), layer.binaryWeightOffset() + layer.binaryWeightCount(), true);
        }
        yield new Bop(binary, (float) bopThreshold, (float) bopAdaptivity,
            new Adam(size, false, (float) beta1, (float) beta2, (float) epsilon));
      }
      default -> throw new IllegalStateException(optimizer);
    };
  }
}
