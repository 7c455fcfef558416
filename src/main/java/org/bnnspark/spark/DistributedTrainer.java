package org.bnnspark.spark;

import org.bnnspark.train.ParamsSnapshot;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.Function2;
import scala.jdk.javaapi.CollectionConverters;
import scala.reflect.ClassTag$;
import scala.runtime.AbstractFunction2;
import scala.runtime.BoxedUnit;
import org.apache.spark.broadcast.Broadcast;
import org.bnnspark.nn.NetworkSpec;
import org.bnnspark.train.BatchPlan;
import org.bnnspark.train.EpochLoop;
import org.bnnspark.train.EpochMetrics;
import org.bnnspark.train.EveryStep;
import org.bnnspark.train.PartitionStore;
import org.bnnspark.train.SyncSpec;
import org.bnnspark.train.SyncStrategy;
import org.bnnspark.train.RowBlock;
import org.bnnspark.train.StepSums;
import org.bnnspark.train.TrainingSpec;
import org.bnnspark.train.TrainingState;

/**
 * Data-parallel training: one Spark job per round of the configuration's synchronization strategy
 * ({@link SyncStrategy}; a round is one step under {@code every_step}, H local steps under
 * {@code local}).
 * <ol>
 *   <li>the driver broadcasts the strategy's downlink — latent parameters and BatchNorm state, and
 *       the inner optimizer state where it is shared — and destroys the previous round's broadcast;</li>
 *   <li>each partition runs the strategy's {@link SyncStrategy.RoundWork} on {@link
 *       org.bnnspark.train.PartitionStep} — the batch plan depends only on seed, epoch, step and
 *       partition index, so a retried task computes the same sums;</li>
 *   <li>{@code treeReduce} (Spark's treeAggregate) adds the partitions' fixed-point sums — exact,
 *       hence independent of merge order — and the driver applies the strategy's update, clips latent
 *       weights to [−1, 1] and folds the batch statistics into the running state.</li>
 * </ol>
 * The epochs are {@link EpochLoop}'s, the same loop as the single-process {@link
 * org.bnnspark.train.LocalTrainer}. Batch statistics are per partition; running statistics are their
 * example-weighted mean (see {@link org.bnnspark.nn.BatchNorm}). The bytes of every round's task
 * results are counted by a Spark listener ({@link #resultBytes}), the downlink's by its size.
 */
public final class DistributedTrainer {
  private final JavaSparkContext jsc;
  private final JavaRDD<RowBlock> data;
  private final JavaRDD<RowBlock> validation;
  private final int depth;
  private final long rows;
  private final long validationRows;
  private final TrafficListener traffic = new TrafficListener();
  private long downlinkBytes;
  private HadoopPartitionStore store;
  private Broadcast<ParamsSnapshot> previousBroadcast;

  /**
   * @param data cached training partitions
   * @param validation cached held-out rows, or null
   * @param depth treeAggregate depth; 0 picks 2 for more than 8 partitions, else 1 (driver-side merge)
   */
  public DistributedTrainer(JavaSparkContext jsc, JavaRDD<RowBlock> data, JavaRDD<RowBlock> validation, int depth) {
    this.jsc = jsc;
    this.data = data;
    this.validation = validation;
    int partitions = data.getNumPartitions();
    this.depth = depth > 0 ? depth : (partitions > 8 ? 2 : 1);
    this.rows = count(data);
    this.validationRows = validation == null ? 0 : count(validation);
    jsc.sc().addSparkListener(traffic);
  }

  private static long count(JavaRDD<RowBlock> rdd) {
    return rdd.map(b -> (long) b.rows).fold(0L, Long::sum);
  }

  public long rows() {
    return rows;
  }

  /** Rows of the held-out set (0 without one), counted once when the trainer was built. */
  public long validationRows() {
    return validationRows;
  }

  public int stepsPerEpoch(TrainingSpec t) {
    return BatchPlan.stepsPerEpoch(rows, t.batchSize());
  }

  /**
   * Where strategies that keep per-partition state (compressed exchange's residuals, {@code
   * inner_state: "partition"}) keep it: a directory every executor can reach (the training output's
   * {@code sync/} for the jobs). Without one, such a run uses a directory under the SparkContext's
   * checkpoint directory, or on a local master a temporary directory; otherwise it is an error.
   */
  public DistributedTrainer withPartitionStateDirectory(String dir) {
    this.store = new HadoopPartitionStore(dir, jsc.broadcast(new HadoopConf(jsc.hadoopConfiguration())));
    return this;
  }

  private PartitionStore store(SyncSpec sync) {
    if (!sync.keepsPartitionState()) {
      return PartitionStore.NONE;
    }
    if (store == null && jsc.getCheckpointDir().isPresent()) {
      withPartitionStateDirectory(jsc.getCheckpointDir().get() + "/bnn-sync-" + java.util.UUID.randomUUID());
    }
    if (store == null) {
      if (!jsc.master().startsWith("local")) {
        throw new IllegalArgumentException("sync " + sync.describe() + " keeps per-partition state in a directory every "
            + "executor reaches: set one (DistributedTrainer.withPartitionStateDirectory; the jobs use OUTPUT/sync)");
      }
      try {
        withPartitionStateDirectory(java.nio.file.Files.createTempDirectory("bnn-sync").toUri().toString());
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
    return store.forRun();
  }

  /** Bytes of training task results received by the driver so far (Spark's result sizes, counted by a listener). */
  public long resultBytes() {
    return traffic.bytes();
  }

  /** Bytes of the downlinks broadcast so far, once per partition (an upper bound of what leaves the driver). */
  public long downlinkBytes() {
    return downlinkBytes;
  }

  /**
   * One step of {@code every_step} over all partitions (the gradient sums, not applied): what the
   * tests compare with the single-process gradient of the same examples.
   */
  public StepSums step(TrainingState s, int epoch, int step, int stepsPerEpoch) {
    TrainingSpec t = s.config.training();
    return round(new EveryStep().work(t, PartitionStore.NONE), new ParamsSnapshot(s.params, s.state),
        new SyncStrategy.Round(s.round, epoch, step, 1, stepsPerEpoch, s.globalStep, (long) t.epochs() * stepsPerEpoch), s);
  }

  /**
   * One round over all partitions, computed by Spark.
   *
   * <p>Depth 1 is a driver-side reduce, which is what {@code treeAggregate(depth = 1)} does; it runs
   * through {@code SparkContext.runJob} with named function objects because the closure cleaner
   * re-parses the class files of Spark's own lambdas (in {@code treeAggregate} and the Java RDD
   * wrappers) for every job — measured here at ~40 ms of driver time per step, as much as the
   * step's computation. Depth ≥ 2 uses {@code treeAggregate} (as {@code treeReduce}): with many
   * partitions the intermediate merge level on executors is what matters.
   */
  private StepSums round(SyncStrategy.RoundWork work, ParamsSnapshot down, SyncStrategy.Round round, TrainingState s) {
    Broadcast<ParamsSnapshot> bc = jsc.broadcast(down);
    downlinkBytes += down.bytes() * data.getNumPartitions();
    String name = round.steps() == 1
        ? String.format(Locale.ROOT, "epoch %d · step %d/%d", round.epoch() + 1, round.firstStep() + 1, round.stepsPerEpoch())
        : String.format(Locale.ROOT, "epoch %d · steps %d–%d/%d", round.epoch() + 1, round.firstStep() + 1,
            round.firstStep() + round.steps(), round.stepsPerEpoch());
    jsc.setJobGroup(TrafficListener.GROUP, name, false);
    try {
      PartitionTask task = new PartitionTask(s.config.network(), bc, work, round);
      if (depth == 1) {
        StepSums total = new StepSums(s.network.paramCount(), s.network.stateCount());
        jsc.sc().runJob(data.rdd(), task, new MergeInto(total), ClassTag$.MODULE$.apply(StepSums.class));
        return total;
      }
      return data.mapPartitionsWithIndex(task, true).treeReduce(MERGE, depth);
    } finally {
      // Asynchronous (a blocking destroy measured ~10 ms a step). The handle stays reachable until the
      // next step: were it collected at once, the ContextCleaner's removal of the same blocks would
      // race this one and log a "block does not exist" error with a stack trace.
      bc.destroy();
      previousBroadcast = bc;
    }
  }

  private static final Function2<StepSums, StepSums, StepSums> MERGE = new Merge();

  private static final class Merge implements Function2<StepSums, StepSums, StepSums> {
    @Override
    public StepSums call(StepSums a, StepSums b) {
      return a.merge(b);
    }
  }

  /** Driver-side result handler: adds each partition's sums as it arrives (exact, so order does not matter). */
  private static final class MergeInto extends AbstractFunction2<Object, StepSums, BoxedUnit> {
    private final StepSums total;

    MergeInto(StepSums total) {
      this.total = total;
    }

    @Override
    public BoxedUnit apply(Object partition, StepSums sums) {
      synchronized (total) {
        total.merge(sums);
      }
      return BoxedUnit.UNIT;
    }
  }

  /** One partition's share of one round, as a Spark task function (both the Scala and the Java API form). */
  private static final class PartitionTask extends AbstractFunction2<TaskContext, scala.collection.Iterator<RowBlock>, StepSums>
      implements Function2<Integer, Iterator<RowBlock>, Iterator<StepSums>>, java.io.Serializable {
    private final NetworkSpec spec;
    private final Broadcast<ParamsSnapshot> down;
    private final SyncStrategy.RoundWork work;
    private final SyncStrategy.Round round;

    PartitionTask(NetworkSpec spec, Broadcast<ParamsSnapshot> down, SyncStrategy.RoundWork work, SyncStrategy.Round round) {
      this.spec = spec;
      this.down = down;
      this.work = work;
      this.round = round;
    }

    StepSums compute(int partition, Iterator<RowBlock> rows) {
      return ExecutorCache.firstAlone(() -> {
        List<RowBlock> blocks = TrainingData.toList(rows);
        ExecutorCache cache = ExecutorCache.forSpec(spec);
        StepSums sums = new StepSums(cache.step.paramCount(), cache.step.stateCount());
        work.run(cache.step, down.value(), round, partition, blocks, sums);
        return sums;
      });
    }

    @Override
    public StepSums apply(TaskContext context, scala.collection.Iterator<RowBlock> rows) {
      return compute(context.partitionId(), CollectionConverters.asJava(rows));
    }

    @Override
    public Iterator<StepSums> call(Integer partition, Iterator<RowBlock> rows) {
      return Collections.singletonList(compute(partition, rows)).iterator();
    }
  }

  /** The packed XNOR model of the current parameters (what the run deploys). */
  public static org.bnnspark.inference.PackedModel packedModel(TrainingState s) {
    return org.bnnspark.inference.PackedModel.compile(s.network, s.params, s.state, s.config.name(), s.config.text());
  }

  /**
   * Validates the current parameters on the held-out rows through the packed XNOR model compiled
   * from them; with {@code withGraph} also through the training graph in inference mode, to
   * measure their agreement. Null without held-out rows.
   */
  public PackedValidation.Stats validate(TrainingState s, boolean withGraph) {
    return validate(packedModel(s), s, withGraph);
  }

  /** As above, with the packed model of {@code s} already compiled. */
  public PackedValidation.Stats validate(org.bnnspark.inference.PackedModel packed, TrainingState s, boolean withGraph) {
    if (validation == null) {
      return null;
    }
    return PackedValidation.run(jsc, validation, packed, s.config.network(),
        withGraph ? new ParamsSnapshot(s.params, s.state) : null);
  }

  /**
   * Runs the remaining epochs of {@code s}. After each epoch {@code onEpoch} gets the metrics and
   * {@code onCheckpoint} the state (to write a checkpoint).
   */
  public void train(TrainingState s, Consumer<EpochMetrics> onEpoch, Consumer<TrainingState> onCheckpoint,
      StepListener progress) {
    train(s, onEpoch, onCheckpoint, progress, Integer.MAX_VALUE);
  }

  /** As above, but returns once {@code stopAfterEpoch} epochs are complete. */
  public void train(TrainingState s, Consumer<EpochMetrics> onEpoch, Consumer<TrainingState> onCheckpoint,
      StepListener progress, int stopAfterEpoch) {
    train(s, onEpoch, onCheckpoint, progress, stopAfterEpoch, 2);
  }

  /** As above; per-partition strategy state is kept for the last {@code keepEpochs} epoch starts (the checkpoints'). */
  public void train(TrainingState s, Consumer<EpochMetrics> onEpoch, Consumer<TrainingState> onCheckpoint,
      StepListener progress, int stopAfterEpoch, int keepEpochs) {
    EpochLoop.run(s, rows, (work, down, round) -> round(work, down, round, s), store(s.sync.spec()), st -> {
      jsc.setJobGroup("bnn-validate", String.format(Locale.ROOT, "epoch %d · validation", st.epoch), false);
      return validationRows == 0 ? Double.NaN : validate(st, false).packedAccuracy();
    }, new EpochLoop.Listener() {
      @Override
      public void onRound(int epoch, int step, int steps, long examples, double seconds, double loss) {
        if (progress != null) {
          progress.onStep(epoch, step, steps, examples, seconds, loss);
        }
      }

      @Override
      public void onEpoch(EpochMetrics m) {
        onEpoch.accept(m);
      }

      @Override
      public void onCheckpoint(TrainingState st) {
        onCheckpoint.accept(st);
      }
    }, stopAfterEpoch, keepEpochs);
    jsc.clearJobGroup();
  }

  /** Progress within an epoch. */
  public interface StepListener {
    void onStep(int epoch, int step, int steps, long examples, double seconds, double loss);
  }
}
