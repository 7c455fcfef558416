package org.bnnspark.nn;

/**
 * What a layer reads and writes during one pass besides its input and output: the flat parameter
 * and state arrays, and in training the gradient accumulator and the batch-statistics sums.
 */
public final class Context {
  public final float[] params;
  public final float[] state;
  public final boolean training;
  /** Gradient accumulator (same layout as {@link #params}); null in inference. */
  public final float[] grad;
  /** Sums of example-weighted batch statistics (same layout as {@link #state}); null in inference. */
  public final double[] statSums;
  /**
   * Seed of this pass's random draws (stochastic binarization), derived from the run's seed, epoch,
   * step and partition — never from the task attempt, so a retried task draws the same.
   */
  public final long noiseSeed;

  private Context(float[] params, float[] state, boolean training, float[] grad, double[] statSums, long noiseSeed) {
    this.params = params;
    this.state = state;
    this.training = training;
    this.grad = grad;
    this.statSums = statSums;
    this.noiseSeed = noiseSeed;
  }

  public static Context inference(float[] params, float[] state) {
    return new Context(params, state, false, null, null, 0);
  }

  /** A training pass without random draws (noise seed 0). */
  public static Context training(float[] params, float[] state, float[] grad, double[] statSums) {
    return training(params, state, grad, statSums, 0);
  }

  public static Context training(float[] params, float[] state, float[] grad, double[] statSums, long noiseSeed) {
    return new Context(params, state, true, grad, statSums, noiseSeed);
  }
}
