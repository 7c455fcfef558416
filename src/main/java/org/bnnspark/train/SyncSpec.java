package org.bnnspark.train;

import java.io.Serializable;
import java.util.List;
import java.util.Set;
import org.bnnspark.nn.ConfigNode;
import org.bnnspark.nn.ConfigException;

/**
 * How the partitions synchronize: the {@code "sync"} object of a configuration's {@code "training"}.
 * <pre>
 *   "sync": {"strategy": "every_step"}                      // one Spark job per step (the default)
 *   "sync": {"strategy": "local", "local_steps": 16,        // H inner steps per Spark job
 *            "outer": "average",                            // or "nesterov" (outer_lr, outer_momentum)
 *            "outer_lr": 0.7, "outer_momentum": 0.9,
 *            "inner_state": "partition",                    // or "reset", "averaged"
 *            "compression": "none"}                         // or "sign_ef" (EF-SignSGD deltas)
 * </pre>
 * See {@link SyncStrategy} for the algorithms; {@link #newStrategy} builds the driver's object.
 *
 * @param localSteps H, the inner steps per round (1 for {@code every_step}); a round never crosses
 *     an epoch's end, so an H of at least the steps per epoch means one round per epoch
 */
public record SyncSpec(String strategy, int localSteps, String outer, double outerLr, double outerMomentum,
    String innerState, String compression) implements Serializable {

  public static final List<String> STRATEGIES = List.of("every_step", "local");
  public static final List<String> OUTER = List.of("average", "nesterov");
  public static final List<String> INNER_STATE = List.of("reset", "averaged", "partition");
  public static final List<String> COMPRESSION = List.of("none", "sign_ef");

  public static final SyncSpec EVERY_STEP = new SyncSpec("every_step", 1, "average", 1, 0, "reset", "none");

  public SyncSpec {
    check(strategy, STRATEGIES, "strategy");
    check(outer, OUTER, "outer");
    check(innerState, INNER_STATE, "inner_state");
    check(compression, COMPRESSION, "compression");
    if (localSteps < 1) {
      throw new ConfigException("sync: local_steps must be at least 1, got " + localSteps);
    }
    if (strategy.equals("every_step") && (localSteps != 1 || !compression.equals("none") || !outer.equals("average"))) {
      throw new ConfigException("sync: local_steps, outer and compression belong to strategy \"local\"; "
          + "strategy \"every_step\" exchanges every step exactly");
    }
    if (compression.equals("sign_ef") && innerState.equals("averaged")) {
      throw new ConfigException("sync: compression \"sign_ef\" sends only the signs of the parameter deltas; "
          + "inner_state \"averaged\" would ship the full optimizer state: use inner_state \"reset\"");
    }
  }

  private static void check(String value, List<String> allowed, String what) {
    if (!allowed.contains(value)) {
      throw new ConfigException("sync: unknown " + what + " '" + value + "' (expected one of: " + String.join(", ", allowed) + ")");
    }
  }

  public static SyncSpec parse(ConfigNode c) {
    if (c == null) {
      return EVERY_STEP;
    }
    c.allowOnly(Set.of("strategy", "local_steps", "outer", "outer_lr", "outer_momentum", "inner_state", "compression"));
    String strategy = c.string("strategy", "every_step");
    if (!STRATEGIES.contains(strategy)) {
      throw c.error("unknown sync strategy '" + strategy + "' (expected one of: " + String.join(", ", STRATEGIES) + ")");
    }
    boolean local = strategy.equals("local");
    int h = (int) c.longValue("local_steps", local ? 16 : 1);
    try {
      SyncSpec spec = new SyncSpec(strategy, h, c.string("outer", "average"), c.number("outer_lr", local ? 0.7 : 1, 1e-6, 10),
          c.number("outer_momentum", local ? 0.9 : 0, 0, 0.9999), c.string("inner_state", local ? "partition" : "reset"),
          c.string("compression", "none"));
      return local ? spec : EVERY_STEP;
    } catch (ConfigException e) {
      throw c.error(e.getMessage().replaceFirst("^sync: ", ""));
    }
  }

  /** This strategy with another name and H (command-line and Param overrides); the rest kept or defaulted. */
  public SyncSpec with(String newStrategy, Integer newLocalSteps, String newCompression) {
    String s = newStrategy != null ? newStrategy : strategy;
    boolean local = s.equals("local");
    if (!local && newLocalSteps == null && newCompression == null) {
      return EVERY_STEP;
    }
    int h = newLocalSteps != null ? newLocalSteps : (local ? (strategy.equals("local") ? localSteps : 16) : 1);
    String comp = newCompression != null ? newCompression : (local ? compression : "none");
    double lr = strategy.equals(s) ? outerLr : (local ? 0.7 : 1);
    double mu = strategy.equals(s) ? outerMomentum : (local ? 0.9 : 0);
    String inner = strategy.equals(s) ? innerState : (local ? "partition" : "reset");
    return new SyncSpec(s, h, local ? outer : "average", lr, mu, inner, comp);
  }

  public boolean compressed() {
    return compression.equals("sign_ef");
  }

  /** Whether partitions keep state of their own between rounds (in a {@link PartitionStore}). */
  public boolean keepsPartitionState() {
    return compressed() || innerState.equals("partition");
  }

  /** The steps of the round that starts at {@code step} of an epoch of {@code stepsPerEpoch}. */
  public int roundSteps(int step, int stepsPerEpoch) {
    return Math.max(0, Math.min(localSteps, stepsPerEpoch - step));
  }

  /** One line for logs and reports. */
  public String describe() {
    if (strategy.equals("every_step")) {
      return "every_step";
    }
    String o = outer.equals("nesterov") ? String.format(java.util.Locale.ROOT, "nesterov(lr %.3g, momentum %.3g)", outerLr, outerMomentum)
        : "average";
    return "local H=" + localSteps + ", outer " + o + ", inner state " + innerState + (compressed() ? ", sign_ef compression" : "");
  }

  public SyncStrategy newStrategy(org.bnnspark.nn.Network network) {
    return strategy.equals("every_step") ? new EveryStep() : new LocalSteps(this, network);
  }
}
