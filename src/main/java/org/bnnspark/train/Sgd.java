package org.bnnspark.train;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;

/**
 * SGD with optional (Nesterov) momentum, PyTorch's formulation:
 * {@code v ← μ v + g}; plain: {@code w ← w − lr v}; Nesterov: {@code w ← w − lr (g + μ v)}.
 */
public final class Sgd implements Optimizer {
  private final float momentum;
  private final boolean nesterov;
  private final float[] velocity;

  public Sgd(int size, float momentum, boolean nesterov) {
    this.momentum = momentum;
    this.nesterov = nesterov;
    this.velocity = new float[momentum == 0f ? 0 : size];
  }

  @Override
  public void step(float[] params, float[] grad, float lr) {
    if (momentum == 0f) {
      for (int i = 0; i < params.length; i++) {
        params[i] -= lr * grad[i];
      }
      return;
    }
    for (int i = 0; i < params.length; i++) {
      float v = momentum * velocity[i] + grad[i];
      velocity[i] = v;
      params[i] -= lr * (nesterov ? grad[i] + momentum * v : v);
    }
  }

  @Override
  public float[] exportState() {
    return velocity.clone();
  }

  @Override
  public void importState(float[] averaged, long steps) {
    System.arraycopy(averaged, 0, velocity, 0, velocity.length);
  }

  @Override
  public String name() {
    return "sgd";
  }

  @Override
  public void writeState(DataOutputStream out) throws IOException {
    Optimizer.writeArray(out, velocity);
  }

  @Override
  public void readState(DataInputStream in) throws IOException {
    Optimizer.readArray(in, velocity, "sgd velocity");
  }
}
