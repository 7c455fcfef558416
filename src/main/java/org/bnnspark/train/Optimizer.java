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

  /**
   * {@link #step} with the mean gradient {@code gradSums[i] / count} (a partition's inner step):
   * an optimizer may fuse the division into its own pass, with the same bits as dividing first.
   */
  default void stepOnSums(float[] params, float[] gradSums, int count, float lr) {
    float[] mean = new float[gradSums.length];
    for (int i = 0; i < mean.length; i++) {
      mean[i] = gradSums[i] / count;
    }
    step(params, mean, lr);
  }

  /** Adjusts freshly initialized parameters to what this optimizer works on (e.g. ±1 binary weights for Bop). */
  default void initialize(float[] params) {}

  void writeState(DataOutputStream out) throws IOException;

  /**
   * The state partitions share under local steps with {@code inner_state: "averaged"}, as one vector
   * whose example-weighted mean over partitions is meaningful (see {@link Adam#exportState}).
   */
  default float[] exportState() {
    throw new UnsupportedOperationException("the " + name() + " optimizer's state cannot be averaged across partitions");
  }

  /** Takes an averaged {@link #exportState} vector, and the number of steps taken so far. */
  default void importState(float[] averaged, long steps) {
    throw new UnsupportedOperationException("the " + name() + " optimizer's state cannot be averaged across partitions");
  }

  /** The whole state as one vector, exactly (kept per partition under {@code inner_state: "partition"}). */
  default float[] rawState() {
    return exportState();
  }

  /** Restores a {@link #rawState} vector exactly, and the number of steps taken so far. */
  default void loadRawState(float[] raw, long steps) {
    importState(raw, steps);
  }

  /** {@link #rawState} into {@code into[offset, offset + length)}: what a partition keeps after its round. */
  default void rawStateInto(float[] into, int offset) {
    float[] raw = rawState();
    System.arraycopy(raw, 0, into, offset, raw.length);
  }

  /** {@link #loadRawState} from {@code raw[offset, offset + length)}, the vector a partition kept. */
  default void loadRawState(float[] raw, int offset, int length, long steps) {
    loadRawState(java.util.Arrays.copyOfRange(raw, offset, offset + length), steps);
  }

  /** Reads state written by {@link #writeState} for the same number of parameters. */
  void readState(DataInputStream in) throws IOException;

  /**
   * Writes a float array with its length: the bytes of {@link DataOutputStream#writeFloat} per value,
   * written a chunk at a time (one call per value made a checkpoint's 2 M floats 8 M single-byte
   * writes on JDK 17).
   */
  static void writeArray(DataOutputStream out, float[] a) throws IOException {
    out.writeInt(a.length);
    byte[] chunk = new byte[Math.min(a.length, 2048) * Float.BYTES];
    java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(chunk); // big-endian, as DataOutputStream
    for (int i = 0; i < a.length; ) {
      int n = Math.min(a.length - i, chunk.length / Float.BYTES);
      b.clear();
      for (int j = 0; j < n; j++) {
        b.putInt(Float.floatToIntBits(a[i + j]));
      }
      out.write(chunk, 0, n * Float.BYTES);
      i += n;
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
