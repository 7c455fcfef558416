package org.bnnspark.nn;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Layers run in order over one batch, with the buffers between them: the forward keeps every
 * layer's output (the backward reads each layer's input and output again), the backward passes the
 * gradient back through two buffers in turn,
 * {@code dL/dx_l = backward_l(x_l, y_l, dL/dy_l)} from the last layer to the first. A
 * {@link Network} is one chain; a {@link Residual}'s block is another. One chain serves one thread.
 */
final class LayerChain {
  private final List<Layer> layers;
  private final int widest;
  private float[][] outputs = new float[0][];
  private float[] gradA = new float[0];
  private float[] gradB = new float[0];
  private int capacity;

  LayerChain(List<Layer> layers, int inputWidth) {
    this.layers = List.copyOf(layers);
    int w = inputWidth;
    for (Layer l : layers) {
      w = Math.max(w, l.outSize());
    }
    this.widest = w;
  }

  List<Layer> layers() {
    return layers;
  }

  private void ensureCapacity(int n) {
    if (n <= capacity) {
      return;
    }
    outputs = new float[layers.size()][];
    for (int l = 0; l < layers.size(); l++) {
      outputs[l] = new float[n * layers.get(l).outSize()];
    }
    gradA = new float[n * widest];
    gradB = new float[n * widest];
    capacity = n;
  }

  /** Runs every layer on {@code n} rows of {@code x}; returns the last layer's output (a chain buffer). */
  float[] forward(Context ctx, float[] x, int n) {
    ensureCapacity(n);
    float[] in = x;
    for (int l = 0; l < layers.size(); l++) {
      layers.get(l).forward(ctx, in, outputs[l], n);
      in = outputs[l];
    }
    return in;
  }

  /** Where the gradient of the loss with respect to the chain's output goes before {@link #backward} (after a forward). */
  float[] outputGradient() {
    return gradA;
  }

  /**
   * Backward through every layer from {@link #outputGradient()} for the batch of the last forward
   * over {@code x}: the parameter gradients are added into {@code ctx.grad}. Returns the gradient
   * with respect to {@code x} (a chain buffer), or null when {@code inputGradient} is false (then the
   * first layer skips it).
   */
  float[] backward(Context ctx, float[] x, int n, boolean inputGradient) {
    float[] dy = gradA;
    float[] dx = gradB;
    for (int l = layers.size() - 1; l >= 0; l--) {
      float[] in = l == 0 ? x : outputs[l - 1];
      layers.get(l).backward(ctx, in, outputs[l], dy, l == 0 && !inputGradient ? null : dx, n);
      float[] t = dy;
      dy = dx;
      dx = t;
    }
    return inputGradient ? dy : null;
  }

  /** Each layer's initial parameters, from its own split of {@code rng} in order. */
  void initParams(float[] params, SplittableRandom rng) {
    for (Layer l : layers) {
      l.initParams(params, rng.split());
    }
  }

  void initState(float[] state) {
    for (Layer l : layers) {
      l.initState(state);
    }
  }

  void clipLatent(float[] params) {
    for (Layer l : layers) {
      l.clipLatent(params);
    }
  }

  void updateState(float[] state, double[] statSums, long count, int steps) {
    for (Layer l : layers) {
      l.updateState(state, statSums, count, steps);
    }
  }

  int paramCount() {
    return layers.stream().mapToInt(Layer::paramCount).sum();
  }

  int stateCount() {
    return layers.stream().mapToInt(Layer::stateCount).sum();
  }

  /** Every layer that does work, those inside residual blocks included, in order. */
  List<Layer> leaves() {
    List<Layer> all = new ArrayList<>();
    for (Layer l : layers) {
      all.addAll(l.leaves());
    }
    return all;
  }
}
