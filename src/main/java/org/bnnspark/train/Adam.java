package org.bnnspark.train;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;

/**
 * Adam (Kingma & Ba 2015) and its infinity-norm variant AdaMax, with bias correction:
 * <pre>
 *   m ← β1 m + (1 − β1) g
 *   Adam:   v ← β2 v + (1 − β2) g²,   w ← w − lr · (m / (1 − β1^t)) / (√(v / (1 − β2^t)) + ε)
 *   AdaMax: u ← max(β2 u, |g|),       w ← w − lr · (m / (1 − β1^t)) / (u + ε)
 * </pre>
 * BinaryNet trains with either (Hubara et al. 2016 use AdaMax for the shift-based variant).
 *
 * <p>Computed with the bias corrections folded into two scalars per step (as PyTorch does), so that a
 * parameter costs one division and one square root instead of four divisions and a root:
 * <pre>
 *   Adam:   w ← w − (lr · √(1 − β2^t) / (1 − β1^t)) · m / (√v + ε · √(1 − β2^t))
 *   AdaMax: w ← w − (lr / (1 − β1^t)) · m / (u + ε)
 * </pre>
 * equal to the above in exact arithmetic; in floats its own roundings, the same on every JDK.
 */
public final class Adam implements Optimizer {
  private final boolean adamax;
  private final float beta1;
  private final float beta2;
  private final float epsilon;
  private final float[] m;
  private final float[] v;
  private long t;
  /** √(1 − β2^t) / (1 − β1^t) (Adam) or 1 / (1 − β1^t) (AdaMax): the learning rate's factor at step t. */
  private double stepFactor;
  /** ε·√(1 − β2^t) (Adam) or ε (AdaMax): the denominator's ε on the scale of √v. */
  private float scaledEpsilon;

  public Adam(int size, boolean adamax, float beta1, float beta2, float epsilon) {
    this.adamax = adamax;
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.epsilon = epsilon;
    this.m = new float[size];
    this.v = new float[size];
  }

  @Override
  public void step(float[] params, float[] grad, float lr) {
    fused(params, grad, 1, false, lr);
  }

  /** One pass over the parameters instead of two: the step is memory-bound (five arrays of the model's size). */
  @Override
  public void stepOnSums(float[] params, float[] gradSums, int count, float lr) {
    fused(params, gradSums, count, true, lr);
  }

  private void fused(float[] params, float[] grad, int count, boolean divide, float lr) {
    beginStep();
    if (adamax) {
      float[] g = grad;
      if (divide) {
        g = new float[grad.length];
        float inv = 1f / count;
        for (int i = 0; i < g.length; i++) {
          g[i] = grad[i] * inv;
        }
      }
      for (int i = 0; i < params.length; i++) {
        update(params, g, i, lr);
      }
      return;
    }
    // the same operations as update(), in one loop without the per-element call and branch: the JIT
    // vectorizes it (float sqrt of a float equals the rounded double sqrt, so the bits are the same);
    // the mean of the sums is a product with 1/n (one division per step, not per parameter)
    float b1 = beta1;
    float b2 = beta2;
    float g1 = 1 - beta1;
    float g2 = 1 - beta2;
    float stepSize = (float) (lr * stepFactor);
    float eps = this.scaledEpsilon;
    float inv = divide ? 1f / count : 1f;
    for (int i = 0; i < params.length; i++) {
      float g = grad[i] * inv;
      float mi = b1 * m[i] + g1 * g;
      m[i] = mi;
      float vi = b2 * v[i] + g2 * g * g;
      v[i] = vi;
      params[i] -= stepSize * mi / ((float) Math.sqrt(vi) + eps);
    }
  }

  /** Advances the step count (bias corrections); then {@link #update} each parameter of the step. */
  void beginStep() {
    t++;
    double bc1 = 1 - StrictMath.pow(beta1, t);
    double root2 = adamax ? 1 : StrictMath.sqrt(1 - StrictMath.pow(beta2, t));
    stepFactor = root2 / bc1;
    scaledEpsilon = (float) (epsilon * root2);
  }

  /** The update of parameter {@code i}. */
  void update(float[] params, float[] grad, int i, float lr) {
    float g = grad[i];
    float mi = beta1 * m[i] + (1 - beta1) * g;
    m[i] = mi;
    float denom;
    if (adamax) {
      float ui = Math.max(beta2 * v[i], Math.abs(g));
      v[i] = ui;
      denom = ui + scaledEpsilon;
    } else {
      float vi = beta2 * v[i] + (1 - beta2) * g * g;
      v[i] = vi;
      denom = (float) Math.sqrt(vi) + scaledEpsilon;
    }
    params[i] -= (float) (lr * stepFactor) * mi / denom;
  }

  /**
   * {@code [m, √v]} (AdaMax: {@code [m, u]}): both on the gradient's scale, so that averaging them in
   * fixed point over partitions keeps their precision; the second moment is restored as the square of
   * the averaged root (the mean of √v, not of v: a root-mean-square rule, documented in the design).
   */
  @Override
  public float[] exportState() {
    float[] out = new float[2 * m.length];
    System.arraycopy(m, 0, out, 0, m.length);
    for (int i = 0; i < v.length; i++) {
      out[m.length + i] = adamax ? v[i] : (float) Math.sqrt(v[i]);
    }
    return out;
  }

  @Override
  public void importState(float[] averaged, long steps) {
    System.arraycopy(averaged, 0, m, 0, m.length);
    for (int i = 0; i < v.length; i++) {
      float r = averaged[m.length + i];
      v[i] = adamax ? r : r * r;
    }
    t = steps;
  }

  /** {@code [m, v]} as they are. */
  @Override
  public float[] rawState() {
    float[] out = new float[2 * m.length];
    System.arraycopy(m, 0, out, 0, m.length);
    System.arraycopy(v, 0, out, m.length, v.length);
    return out;
  }

  @Override
  public void loadRawState(float[] raw, long steps) {
    loadRawState(raw, 0, raw.length, steps);
  }

  @Override
  public void rawStateInto(float[] into, int offset) {
    System.arraycopy(m, 0, into, offset, m.length);
    System.arraycopy(v, 0, into, offset + m.length, v.length);
  }

  @Override
  public void loadRawState(float[] raw, int offset, int length, long steps) {
    if (length != m.length + v.length) {
      throw new IllegalArgumentException("raw state of " + length + " values for " + m.length + " parameters");
    }
    System.arraycopy(raw, offset, m, 0, m.length);
    System.arraycopy(raw, offset + m.length, v, 0, v.length);
    t = steps;
  }

  /** Steps taken (the bias corrections' t). */
  public long steps() {
    return t;
  }

  @Override
  public String name() {
    return adamax ? "adamax" : "adam";
  }

  @Override
  public void writeState(DataOutputStream out) throws IOException {
    out.writeLong(t);
    Optimizer.writeArray(out, m);
    Optimizer.writeArray(out, v);
  }

  @Override
  public void readState(DataInputStream in) throws IOException {
    t = in.readLong();
    Optimizer.readArray(in, m, name() + " first moment");
    Optimizer.readArray(in, v, name() + " second moment");
  }
}
