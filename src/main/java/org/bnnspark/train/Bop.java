package org.bnnspark.train;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;

/**
 * Bop, the latent-free binary optimizer (Helwegen et al. 2019). Binary weights are ±1 themselves,
 * not signs of latent reals; Bop keeps an exponential moving average of their gradient and flips
 * a weight when the average is strong and pushes against it:
 * <pre>
 *   m ← (1 − γ) m + γ g;   w ← −w  if |m| &gt; τ and sign(m) = sign(w)
 * </pre>
 * with adaptivity γ and threshold τ (the learning rate does not enter). Every other parameter
 * (BatchNorm, real layers) is updated by Adam with the schedule's learning rate, as in the paper.
 */
public final class Bop implements Optimizer {
  private final boolean[] binary;
  private final float threshold;
  private final float adaptivity;
  private final float[] m;
  private final Adam adam;

  /** @param binary which parameters are binary weights */
  public Bop(boolean[] binary, float threshold, float adaptivity, Adam adam) {
    this.binary = binary;
    this.threshold = threshold;
    this.adaptivity = adaptivity;
    this.m = new float[binary.length];
    this.adam = adam;
  }

  /** Binary weights start at the sign of their initial value. */
  @Override
  public void initialize(float[] params) {
    for (int i = 0; i < params.length; i++) {
      if (binary[i]) {
        params[i] = org.bnnspark.bits.BitPacking.sign(params[i]);
      }
    }
  }

  @Override
  public void step(float[] params, float[] grad, float lr) {
    adam.beginStep();
    for (int i = 0; i < params.length; i++) {
      if (binary[i]) {
        float mi = (1 - adaptivity) * m[i] + adaptivity * grad[i];
        m[i] = mi;
        float w = params[i];
        if (Math.abs(mi) > threshold && (mi >= 0) == (w >= 0)) {
          params[i] = -w;
        }
      } else {
        adam.update(params, grad, i, lr);
      }
    }
  }

  @Override
  public String name() {
    return "bop";
  }

  @Override
  public void writeState(DataOutputStream out) throws IOException {
    Optimizer.writeArray(out, m);
    adam.writeState(out);
  }

  @Override
  public void readState(DataInputStream in) throws IOException {
    Optimizer.readArray(in, m, "bop gradient average");
    adam.readState(in);
  }
}
