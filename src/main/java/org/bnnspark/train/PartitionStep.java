package org.bnnspark.train;

import java.util.List;
import org.bnnspark.nn.Network;

/**
 * The work of one partition in one training step: gather its slice of the epoch's shuffled rows
 * into a batch, run the binarized forward and the STE backward, return the sums. Exactly this code
 * runs inside a Spark task and in the single-process trainer. Under local steps ({@link LocalSteps})
 * a round calls {@link #gradient} once per inner step on the partition's own copy of the weights.
 */
public final class PartitionStep {
  private final Network network;
  private float[] batchX = new float[0];
  private int[] batchY = new int[0];
  private int[] order;
  private int orderEpoch = -1;
  private int orderPartition = -1;
  private long orderSeed;
  private final float[] grad;
  private final double[] stats;
  private Network.BatchResult last;

  public PartitionStep(Network network) {
    this.network = network;
    this.grad = new float[network.paramCount()];
    this.stats = new double[network.stateCount()];
  }

  public int paramCount() {
    return grad.length;
  }

  public int stateCount() {
    return stats.length;
  }

  public Network network() {
    return network;
  }

  /** Gradient sums of the last {@link #gradient} call (over its rows; reused buffer). */
  public float[] grad() {
    return grad;
  }

  /** Batch-statistics sums of the last {@link #gradient} call (reused buffer). */
  public double[] stats() {
    return stats;
  }

  /** Summed loss and correct count of the last {@link #gradient} call. */
  public Network.BatchResult lastResult() {
    return last;
  }

  /**
   * Computes partition {@code partition}'s share of step {@code step} of {@code epoch} over its
   * {@code blocks}, adding the result into {@code into}.
   */
  public void compute(float[] params, float[] state, List<RowBlock> blocks, long seed, int epoch, int step,
      int stepsPerEpoch, int partition, StepSums into) {
    long start = System.nanoTime();
    int rows = gradient(params, state, blocks, seed, epoch, step, stepsPerEpoch, partition);
    if (rows == 0) {
      return;
    }
    into.add(grad, stats, last.lossSum(), last.correct(), rows);
    into.maxComputeNanos = Math.max(into.maxComputeNanos, System.nanoTime() - start);
  }

  /**
   * Runs the forward and backward pass of partition {@code partition}'s share of step {@code step}:
   * afterwards {@link #grad()} and {@link #stats()} hold its sums and {@link #lastResult()} its loss.
   * Returns the number of rows (0: nothing computed).
   */
  public int gradient(float[] params, float[] state, List<RowBlock> blocks, long seed, int epoch, int step,
      int stepsPerEpoch, int partition) {
    int n = (int) RowBlock.rows(blocks);
    if (n == 0) {
      return 0;
    }
    if (order == null || orderEpoch != epoch || orderPartition != partition || orderSeed != seed || order.length != n) {
      order = BatchPlan.permutation(seed, epoch, partition, n);
      orderEpoch = epoch;
      orderPartition = partition;
      orderSeed = seed;
    }
    int from = BatchPlan.sliceStart(n, step, stepsPerEpoch);
    int to = BatchPlan.sliceStart(n, step + 1, stepsPerEpoch);
    int rows = to - from;
    if (rows == 0) {
      return 0;
    }
    int f = network.inputSize();
    if (batchX.length < rows * f) {
      batchX = new float[rows * f];
      batchY = new int[rows];
    }
    int blockRows = blocks.get(0).rows;
    for (int r = 0; r < rows; r++) {
      int idx = order[from + r];
      // every block but the last has the same number of rows, so the block index is a division
      int blockIndex = Math.min(idx / blockRows, blocks.size() - 1);
      RowBlock b = blocks.get(blockIndex);
      int local = idx - blockIndex * blockRows;
      System.arraycopy(b.x, local * f, batchX, r * f, f);
      batchY[r] = b.labels[local];
    }
    java.util.Arrays.fill(grad, 0f);
    java.util.Arrays.fill(stats, 0.0);
    last = network.trainBatch(params, state, batchX, batchY, rows, grad, stats,
        BatchPlan.noiseSeed(seed, epoch, step, partition));
    return rows;
  }
}
