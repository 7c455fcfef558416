package org.bnnspark.spark;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerTaskEnd;

/**
 * Counts the serialized task-result bytes of the training rounds' jobs (job group {@value #GROUP}):
 * what the driver receives from the partitions, as Spark measured it ({@code TaskMetrics.resultSize}).
 * Listener events arrive asynchronously, so a reading lags the last round by a few events.
 */
final class TrafficListener extends SparkListener {
  static final String GROUP = "bnn-train";
  private final Set<Integer> stages = ConcurrentHashMap.newKeySet();
  private final AtomicLong bytes = new AtomicLong();

  @Override
  public void onJobStart(SparkListenerJobStart job) {
    if (job.properties() != null && GROUP.equals(job.properties().getProperty("spark.jobGroup.id"))) {
      for (Object id : scala.jdk.javaapi.CollectionConverters.asJava(job.stageIds())) {
        stages.add((Integer) id);
      }
    }
  }

  /** The set holds only running stages: a long session (a notebook, the ML API) fits many models. */
  @Override
  public void onStageCompleted(org.apache.spark.scheduler.SparkListenerStageCompleted stage) {
    stages.remove(stage.stageInfo().stageId());
  }

  @Override
  public void onTaskEnd(SparkListenerTaskEnd task) {
    if (task.taskMetrics() != null && stages.contains(task.stageId())) {
      bytes.addAndGet(task.taskMetrics().resultSize());
    }
  }

  long bytes() {
    return bytes.get();
  }
}
