package org.bnnspark.train;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.List;
import org.bnnspark.nn.Network;

/**
 * Local steps with an outer update (local SGD, Stich 2018; DL4J's parameter averaging; DiLoCo,
 * Douillard et al. 2023), with optional sign compression and error feedback (EF-SignSGD,
 * Karimireddy et al. 2019).
 *
 * <p><b>Inner steps.</b> A round of H steps starts from the driver's latent weights θ. Partition k
 * copies them, θ_k ← θ, and for each of the round's steps s takes its usual slice of the epoch's
 * shuffle ({@link BatchPlan}: about B·n_k/N rows), runs the binarized forward and the STE backward
 * against θ_k, and applies its own inner optimizer to the slice's mean gradient with the schedule's
 * learning rate at the global step, then clips the latent weights to [−1, 1]: exactly a
 * single-process training step on its own rows. It returns
 * <pre>
 *   n_k·Δ_k with Δ_k = θ_k − θ,   Σ_s n_ks·(batch statistics),   loss, correct, n_k = Σ_s n_ks
 * </pre>
 * in exact fixed point ({@link StepSums}), so the merge is order-free.
 *
 * <p><b>Outer update.</b> The driver forms the example-weighted mean Δ = Σ n_k Δ_k / Σ n_k and
 * <pre>
 *   average:  θ ← θ + Δ                                   (= mean_k θ_k)
 *   nesterov: g = −Δ;  m ← μ m + g;  θ ← θ − η (g + μ m)    (DiLoCo's outer Nesterov; η, μ configured)
 * </pre>
 * then clips to [−1, 1] (the next forward re-binarizes) and folds the round's batch statistics into
 * the running BatchNorm state as H updates at once ({@link org.bnnspark.nn.BatchNorm#updateState}).
 *
 * <p><b>Inner optimizer state</b> between rounds, three choices:
 * <ul>
 *   <li>{@code "reset"}: every round starts its inner optimizer fresh; nothing but θ travels down
 *       and nothing but Δ comes back, and the state is a pure function of the round.</li>
 *   <li>{@code "averaged"}: the driver's inner state is broadcast with θ, each partition continues
 *       it, and the driver takes the example-weighted mean of the partitions' states
 *       ({@link Optimizer#exportState}); three times the bytes each way.</li>
 *   <li>{@code "partition"} (DiLoCo's choice): each partition keeps its own inner state across rounds,
 *       stored exactly ({@link Optimizer#rawState}) in the {@link PartitionStore} under (round,
 *       partition) next to its residual; no optimizer state crosses the driver at all.</li>
 * </ul>
 * All three survive a retried task (a task reads the state of its round and writes the next) and a
 * resume (the checkpoint names the round whose stored states it continues from).
 *
 * <p><b>Compressed exchange</b> ({@code compression: "sign_ef"}). Partition k keeps a residual e_k
 * (zero at first) and sends, per parameter tensor t ({@link Network#tensorBounds}),
 * <pre>
 *   p = Δ_k + e_k,   scale_t = ‖p_t‖₁ / |t|,   q = scale_t · sign(p)   (one bit per value, one float per tensor)
 *   e_k ← p − q
 * </pre>
 * and the driver uses Σ n_k q_k / Σ n_k as Δ. The residual of round r is stored under (r, k) in a
 * {@link PartitionStore}: a retried task reads the same e_k and writes the same new one; a checkpoint
 * records the round, whose residuals stay stored with it. Up: 1 bit per parameter instead of a
 * 64-bit fixed-point value.
 *
 * <p>H = 1 with {@code average} and {@code averaged} inner state is close to {@link EveryStep} but not
 * equal: each partition steps on its own slice's gradient before averaging.
 */
public final class LocalSteps implements SyncStrategy {
  private final SyncSpec spec;
  private final Network network;
  /** Parameter tensors (one scale each under compression). */
  private final int[] tensors;
  /** The outer Nesterov momentum (empty for plain averaging): the strategy's driver state. */
  private final float[] momentum;

  LocalSteps(SyncSpec spec, Network network) {
    this.spec = spec;
    this.network = network;
    this.tensors = network.tensorBounds();
    this.momentum = new float[spec.outer().equals("nesterov") ? network.paramCount() : 0];
  }

  @Override
  public SyncSpec spec() {
    return spec;
  }

  @Override
  public ParamsSnapshot downlink(TrainingState s) {
    return spec.innerState().equals("averaged") ? new ParamsSnapshot(s.params, s.state, s.optimizer.exportState())
        : new ParamsSnapshot(s.params, s.state);
  }

  @Override
  public RoundWork work(TrainingSpec training, PartitionStore store) {
    int kept = spec.innerState().equals("partition") ? training.newOptimizer(network).rawState().length : 0;
    return new Work(training, spec.keepsPartitionState() ? store : PartitionStore.NONE, spec.compressed() ? tensors : null, kept);
  }

  @Override
  public void apply(TrainingState s, StepSums sums, Round round) {
    if (sums.count > 0) {
      float[] delta = sums.signed.isEmpty() ? sums.meanGradient() : decode(sums, tensors);
      float[] p = s.params;
      if (momentum.length == 0) {
        for (int i = 0; i < p.length; i++) {
          p[i] += delta[i];
        }
      } else {
        float mu = (float) spec.outerMomentum();
        float eta = (float) spec.outerLr();
        for (int i = 0; i < p.length; i++) {
          float g = -delta[i];
          float m = mu * momentum[i] + g;
          momentum[i] = m;
          p[i] -= eta * (g + mu * m);
        }
      }
      s.network.clipLatent(p);
      s.network.updateState(s.state, sums.statSums(), sums.count, round.steps());
      if (sums.inner.length > 0) {
        s.optimizer.importState(sums.meanInner(), round.globalStep() + round.steps());
      }
    }
    s.advance(round.steps());
  }

  /** Σ n_k q_k / Σ n_k over tensors {@code bounds}, each term added in fixed point (exact, order-free). */
  static float[] decode(StepSums sums, int[] bounds) {
    int size = bounds[bounds.length - 1];
    long[] acc = new long[size];
    for (StepSums.SignMessage m : sums.signed) {
      if (m.scales().length != bounds.length - 1) {
        throw new IllegalStateException("a sign message of partition " + m.partition() + " has " + m.scales().length
            + " scales for " + (bounds.length - 1) + " tensors");
      }
      for (int t = 0; t + 1 < bounds.length; t++) {
        long v = (long) (m.count() * (double) m.scales()[t] * StepSums.GRAD_SCALE);
        for (int i = bounds[t]; i < bounds[t + 1]; i++) {
          acc[i] += (m.signs()[i >>> 6] >>> (i & 63) & 1L) != 0 ? v : -v;
        }
      }
    }
    float[] mean = new float[size];
    double k = 1.0 / (StepSums.GRAD_SCALE * sums.count);
    for (int i = 0; i < size; i++) {
      mean[i] = (float) (acc[i] * k);
    }
    return mean;
  }

  @Override
  public void writeState(DataOutputStream out) throws IOException {
    Optimizer.writeArray(out, momentum);
  }

  @Override
  public void readState(DataInputStream in) throws IOException {
    Optimizer.readArray(in, momentum, "outer momentum");
  }

  /**
   * The partitions' side: H inner steps, then the (compressed) delta. What a partition keeps in the
   * store is one vector: its residual (compressed: one value per parameter), then its raw inner
   * optimizer state ({@code keptState} values under {@code inner_state: "partition"}).
   */
  private record Work(TrainingSpec training, PartitionStore store, int[] tensors, int keptState) implements RoundWork {
    @Override
    public void run(PartitionStep worker, ParamsSnapshot down, Round round, int partition, List<RowBlock> blocks, StepSums into) {
      long start = System.nanoTime();
      Network net = worker.network();
      float[] theta = down.params.clone();
      int residualSize = tensors == null ? 0 : theta.length;
      float[] kept = residualSize + keptState == 0 ? null : store.read(round.index(), partition, residualSize + keptState);
      Optimizer opt = training.newOptimizer(net);
      if (down.inner.length > 0) {
        opt.importState(down.inner, round.globalStep());
      } else if (keptState > 0) {
        opt.loadRawState(kept, residualSize, keptState, round.globalStep());
      }
      double[] stats = new double[net.stateCount()];
      double loss = 0;
      long correct = 0;
      long n = 0;
      for (int i = 0; i < round.steps(); i++) {
        int rows = worker.gradient(theta, down.state, blocks, training.seed(), round.epoch(), round.firstStep() + i,
            round.stepsPerEpoch(), partition);
        if (rows == 0) {
          continue;
        }
        opt.stepOnSums(theta, worker.grad(), rows, training.schedule().at(round.globalStep() + i, round.totalSteps(),
            round.stepsPerEpoch()));
        net.clipLatent(theta);
        double[] st = worker.stats();
        for (int j = 0; j < st.length; j++) {
          stats[j] += st[j];
        }
        loss += worker.lastResult().lossSum();
        correct += worker.lastResult().correct();
        n += rows;
      }
      for (int j = 0; j < theta.length; j++) {
        theta[j] -= down.params[j];
      }
      if (tensors != null) {
        if (n > 0) {
          into.signed.add(encode(theta, kept, tensors, partition, n)); // the residual: kept[0, P)
        }
      } else if (n > 0) {
        into.addWeighted(theta, n);
      }
      if (keptState > 0) {
        opt.rawStateInto(kept, residualSize);
      }
      if (kept != null) {
        store.write(round.index() + 1, partition, kept);
      }
      if (n > 0) {
        into.addStats(stats);
        into.addCounts(loss, correct, n);
        if (down.inner.length > 0) {
          into.addInner(opt.exportState(), n);
        }
      }
      into.maxComputeNanos = Math.max(into.maxComputeNanos, System.nanoTime() - start);
    }
  }

  /** Signs of p = Δ + e and one scale ‖p_t‖₁/|t| per tensor; leaves the new residual p − q in {@code e}. */
  static StepSums.SignMessage encode(float[] delta, float[] e, int[] tensors, int partition, long count) {
    long[] signs = new long[(delta.length + 63) >>> 6];
    float[] scales = new float[tensors.length - 1];
    for (int t = 0; t + 1 < tensors.length; t++) {
      double l1 = 0;
      for (int i = tensors[t]; i < tensors[t + 1]; i++) {
        float p = delta[i] + e[i];
        e[i] = p;
        l1 += Math.abs(p);
      }
      float scale = (float) (l1 / Math.max(1, tensors[t + 1] - tensors[t]));
      scales[t] = scale;
      for (int i = tensors[t]; i < tensors[t + 1]; i++) {
        float p = e[i];
        if (p >= 0f) {
          signs[i >>> 6] |= 1L << (i & 63);
          e[i] = p - scale;
        } else {
          e[i] = p + scale;
        }
      }
    }
    return new StepSums.SignMessage(partition, count, signs, scales);
  }
}
