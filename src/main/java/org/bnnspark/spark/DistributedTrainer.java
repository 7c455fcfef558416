package org.bnnspark.spark;

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
import org.bnnspark.train.EpochMetrics;
import org.bnnspark.train.RowBlock;
import org.bnnspark.train.StepSums;
import org.bnnspark.train.TrainingSpec;
import org.bnnspark.train.TrainingState;

/**
 * Data-parallel training: one Spark job per step.
 * <ol>
 *   <li>the driver broadcasts the latent parameters and BatchNorm state (and destroys the previous
 *       step's broadcast);</li>
 *   <li>each partition computes its share of the global batch with {@link
 *       org.bnnspark.train.PartitionStep} — the batch plan depends only on seed, epoch, step and
 *       partition index, so a retried task computes the same sums;</li>
 *   <li>{@code treeReduce} (Spark's treeAggregate) adds the partitions' fixed-point sums — exact,
 *       hence independent of merge order — and the driver applies the optimizer, clips latent
 *       weights to [−1, 1] and folds the batch statistics into the running state.</li>
 * </ol>
 * At the end of every epoch the driver computes the flip ratio, validates, and hands the state to
 * the checkpoint callback. Batch statistics are per partition; running statistics are their
 * example-weighted mean (see {@link org.bnnspark.nn.BatchNorm}).
 */
public final class DistributedTrainer {
  private final JavaSparkContext jsc;
  private final JavaRDD<RowBlock> data;
  private final JavaRDD<RowBlock> validation;
  private final int depth;
  private final long rows;
  private final long validationRows;
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
   * Sums of one step over all partitions, computed by Spark.
   *
   * <p>Depth 1 is a driver-side reduce, which is what {@code treeAggregate(depth = 1)} does; it runs
   * through {@code SparkContext.runJob} with named function objects because the closure cleaner
   * re-parses the class files of Spark's own lambdas (in {@code treeAggregate} and the Java RDD
   * wrappers) for every job — measured here at ~40 ms of driver time per step, as much as the
   * step's computation. Depth ≥ 2 uses {@code treeAggregate} (as {@code treeReduce}): with many
   * partitions the intermediate merge level on executors is what matters.
   */
  public StepSums step(TrainingState s, int epoch, int step, int stepsPerEpoch) {
    Broadcast<ParamsSnapshot> bc = jsc.broadcast(new ParamsSnapshot(s.params, s.state));
    try {
      PartitionTask task = new PartitionTask(s.config.network(), bc, s.config.training().seed(), epoch, step, stepsPerEpoch);
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

  /** One partition's share of one step, as a Spark task function (both the Scala and the Java API form). */
  private static final class PartitionTask extends AbstractFunction2<TaskContext, scala.collection.Iterator<RowBlock>, StepSums>
      implements Function2<Integer, Iterator<RowBlock>, Iterator<StepSums>>, java.io.Serializable {
    private final NetworkSpec spec;
    private final Broadcast<ParamsSnapshot> params;
    private final long seed;
    private final int epoch;
    private final int step;
    private final int stepsPerEpoch;

    PartitionTask(NetworkSpec spec, Broadcast<ParamsSnapshot> params, long seed, int epoch, int step, int stepsPerEpoch) {
      this.spec = spec;
      this.params = params;
      this.seed = seed;
      this.epoch = epoch;
      this.step = step;
      this.stepsPerEpoch = stepsPerEpoch;
    }

    StepSums compute(int partition, Iterator<RowBlock> rows) {
      List<RowBlock> blocks = TrainingData.toList(rows);
      ExecutorCache cache = ExecutorCache.forSpec(spec);
      StepSums sums = new StepSums(cache.step.paramCount(), cache.step.stateCount());
      ParamsSnapshot p = params.value();
      cache.step.compute(p.params, p.state, blocks, seed, epoch, step, stepsPerEpoch, partition, sums);
      return sums;
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
    TrainingSpec t = s.config.training();
    int steps = stepsPerEpoch(t);
    while (s.epoch < Math.min(t.epochs(), stopAfterEpoch)) {
      int epoch = s.epoch;
      long start = System.nanoTime();
      long computeNanos = 0;
      double loss = 0;
      long correct = 0;
      long seen = 0;
      for (int k = s.stepInEpoch; k < steps; k++) {
        jsc.setJobGroup("bnn-train", String.format(Locale.ROOT, "epoch %d · step %d/%d", epoch + 1, k + 1, steps), false);
        StepSums sums = step(s, epoch, k, steps);
        s.apply(sums, steps);
        computeNanos += sums.maxComputeNanos;
        loss += sums.lossSum();
        correct += sums.correct;
        seen += sums.count;
        if (progress != null) {
          progress.onStep(epoch + 1, k + 1, steps, seen, (System.nanoTime() - start) / 1e9, sums.lossSum() / Math.max(1, sums.count));
        }
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      double flip = s.endEpoch();
      jsc.setJobGroup("bnn-train", String.format(Locale.ROOT, "epoch %d · validation", epoch + 1), false);
      double valAcc = validationRows == 0 ? Double.NaN : validate(s, false).packedAccuracy();
      double overhead = seconds <= 0 ? 0 : Math.max(0, 1 - computeNanos / 1e9 / seconds);
      EpochMetrics m = new EpochMetrics(s.epoch, loss / Math.max(1, seen), (double) correct / Math.max(1, seen), valAcc,
          flip, seconds, seen / seconds, overhead);
      onEpoch.accept(m);
      onCheckpoint.accept(s);
    }
    jsc.clearJobGroup();
  }

  /** Progress within an epoch. */
  public interface StepListener {
    void onStep(int epoch, int step, int steps, long examples, double seconds, double loss);
  }
}
