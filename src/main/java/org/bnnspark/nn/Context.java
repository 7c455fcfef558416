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

  private Context(float[] params, float[] state, boolean training, float[] grad, double[] statSums) {
    this.params = params;
    this.state = state;
    this.training = training;
    this.grad = grad;
    this.statSums = statSums;
  }

  public static Context inference(float[] params, float[] state) {
    return new Context(params, state, false, null, null);
  }

  public static Context training(float[] params, float[] state, float[] grad, double[] statSums) {
    return new Context(params, state, true, grad, statSums);
  }
}
