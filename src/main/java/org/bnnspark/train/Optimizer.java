package org.bnnspark.train;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;

/**
 * An updater: turns the mean gradient and its own state into new parameters. Gradients are
 * computed elsewhere (and summed across partitions); the optimizer only updates. Its state is
 * written to and read from checkpoints.
 */
public interface Optimizer {
  /** Updates {@code params} in place from the mean gradient with learning rate {@code lr}. */
  void step(float[] params, float[] grad, float lr);

  String name();

  /** Adjusts freshly initialized parameters to what this optimizer works on (e.g. ±1 binary weights for Bop). */
  default void initialize(float[] params) {}

  void writeState(DataOutputStream out) throws IOException;

  /** Reads state written by {@link #writeState} for the same number of parameters. */
  void readState(DataInputStream in) throws IOException;

  /** Writes a float array with its length. */
  static void writeArray(DataOutputStream out, float[] a) throws IOException {
    out.writeInt(a.length);
    for (float v : a) {
      out.writeFloat(v);
    }
  }

  /** Reads a float array into {@code into}, refusing a length that does not match. */
  static void readArray(DataInputStream in, float[] into, String what) throws IOException {
    int n = in.readInt();
    if (n != into.length) {
      throw new IOException(what + ": expected " + into.length + " values, found " + n);
    }
    for (int i = 0; i < n; i++) {
      into[i] = in.readFloat();
    }
  }
}
