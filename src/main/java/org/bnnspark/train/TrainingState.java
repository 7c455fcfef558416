package org.bnnspark.train;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import org.bnnspark.nn.Network;

/**
 * Everything the driver owns between steps: latent parameters, BatchNorm state, optimizer state,
 * and the position (epoch, step). Applying a step's sums is one method, shared by the
 * single-process and the Spark trainer: mean gradient → optimizer → clip latent weights to
 * [−1, 1] → fold batch statistics into the running state.
 */
public final class TrainingState {
  public final ModelConfig config;
  public final Network network;
  public final float[] params;
  public final float[] state;
  public final Optimizer optimizer;
  /** How partitions synchronize, with its driver-side state (outer momentum). */
  public final SyncStrategy sync;
  /** Rounds (Spark jobs of training) completed over the whole run. */
  public long round;
  /** Epochs completed. */
  public int epoch;
  /** Steps completed in the current epoch. */
  public int stepInEpoch;
  /** Steps completed over the whole run. */
  public long globalStep;
  /** Signs of the binary weights at the end of the previous epoch (for the flip ratio). */
  public long[] epochStartSigns;

  public TrainingState(ModelConfig config) {
    this.config = config;
    this.network = new Network(config.network());
    this.params = network.initParams(config.training().seed());
    this.state = network.initState();
    this.optimizer = config.training().newOptimizer(network);
    optimizer.initialize(params);
    this.sync = config.training().sync().newStrategy(network);
    this.epochStartSigns = network.binaryWeightSigns(params);
  }

  /**
   * Starts from another run's trained network (a second training stage): its parameters and state
   * move over layer by layer ({@link Network#transferFrom}); the optimizer starts fresh from them.
   */
  public void initializeFrom(NetworkFile.Model source) {
    network.transferFrom(new Network(source.config().network()), source.params(), source.state(), params, state);
    optimizer.initialize(params);
    epochStartSigns = network.binaryWeightSigns(params);
  }

  /** Applies one step's summed gradients. */
  public void apply(StepSums sums, int stepsPerEpoch) {
    TrainingSpec t = config.training();
    long total = (long) t.epochs() * stepsPerEpoch;
    float lr = t.schedule().at(globalStep, total, stepsPerEpoch);
    optimizer.step(params, sums.meanGradient(), lr);
    network.clipLatent(params);
    network.updateState(state, sums.statSums(), sums.count);
    advance(1);
  }

  /** Moves the position on by one round of {@code steps} steps. */
  public void advance(int steps) {
    globalStep += steps;
    stepInEpoch += steps;
    round++;
  }

  /** Ends an epoch: returns the share of binary weights whose sign changed since the last call. */
  public double endEpoch() {
    long[] signs = network.binaryWeightSigns(params);
    long flipped = 0;
    for (int i = 0; i < signs.length; i++) {
      flipped += Long.bitCount(signs[i] ^ epochStartSigns[i]);
    }
    epochStartSigns = signs;
    epoch++;
    stepInEpoch = 0;
    int n = network.binaryWeightCount();
    return n == 0 ? 0 : (double) flipped / n;
  }

  /**
   * Writes the resumable part (position, arrays, optimizer state, synchronization strategy and its
   * state; the last two from file version 2 on); the config is written by the file format.
   */
  public void write(DataOutputStream out) throws IOException {
    out.writeInt(epoch);
    out.writeInt(stepInEpoch);
    out.writeLong(globalStep);
    Optimizer.writeArray(out, params);
    Optimizer.writeArray(out, state);
    out.writeInt(epochStartSigns.length);
    for (long s : epochStartSigns) {
      out.writeLong(s);
    }
    out.writeUTF(optimizer.name());
    optimizer.writeState(out);
    out.writeUTF(syncTag());
    out.writeLong(round);
    sync.writeState(out);
  }

  /** What a resumed run must agree on: the strategy, H and the compression. */
  private String syncTag() {
    SyncSpec s = sync.spec();
    return s.strategy() + "/" + s.localSteps() + "/" + s.outer() + "/" + s.innerState() + "/" + s.compression();
  }

  /** Reads what {@link #write} wrote into a file of format {@code version} (1: every_step only). */
  public void read(DataInputStream in, int version) throws IOException {
    epoch = in.readInt();
    stepInEpoch = in.readInt();
    globalStep = in.readLong();
    Optimizer.readArray(in, params, "parameters");
    Optimizer.readArray(in, state, "state");
    int n = in.readInt();
    if (n != epochStartSigns.length) {
      throw new IOException("binary weight signs: expected " + epochStartSigns.length + " words, found " + n);
    }
    for (int i = 0; i < n; i++) {
      epochStartSigns[i] = in.readLong();
    }
    String opt = in.readUTF();
    if (!opt.equals(optimizer.name())) {
      throw new IOException("checkpoint was written by optimizer '" + opt + "' but the configuration uses '" + optimizer.name() + "'");
    }
    optimizer.readState(in);
    String tag = version >= 2 ? in.readUTF() : SyncSpec.EVERY_STEP.strategy() + "/1/average/reset/none";
    if (!tag.equals(syncTag())) {
      throw new IOException("checkpoint was written with synchronization '" + tag + "' but the configuration uses '" + syncTag()
          + "' (strategy/local_steps/outer/inner_state/compression): resume with the same sync settings");
    }
    if (version >= 2) {
      round = in.readLong();
      sync.readState(in);
    } else {
      round = globalStep;
    }
  }

}
