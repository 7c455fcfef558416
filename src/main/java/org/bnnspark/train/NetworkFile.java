package org.bnnspark.train;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import org.bnnspark.io.FramedFile;

/**
 * The on-disk form of a trained network ({@code model.bnn}) and of a training checkpoint
 * ({@code checkpoints/epoch-N.ckpt}). Big-endian:
 * <pre>
 *   8 bytes  magic "BNNSPARK"                      ({@link FramedFile})
 *   int      format version (2; 1 is read too: its checkpoints end after the optimizer state)
 *   byte     kind: 1 = trained network, 2 = checkpoint
 *   int      length, then UTF-8 bytes: the configuration text the network was trained from
 *   model:       float[] parameters (int length + values), float[] state
 *   checkpoint:  {@link TrainingState#write}
 *   long     CRC-32 of every byte above              ({@link FramedFile})
 * </pre>
 * No Java serialization; every length is checked against what the configuration implies before
 * anything is allocated. Streams are supplied by the caller (the Spark layer opens them through
 * the Hadoop FileSystem API and commits by rename).
 */
public final class NetworkFile {
  private static final byte[] MAGIC = "BNNSPARK".getBytes(StandardCharsets.US_ASCII);
  public static final int VERSION = 2;
  public static final byte KIND_MODEL = 1;
  public static final byte KIND_CHECKPOINT = 2;
  private static final int MAX_CONFIG_BYTES = 1 << 20;
  private static final long MAX_FILE_BYTES = 1L << 31;

  private NetworkFile() {}

  /** A file opened past its header: the body's stream and the format version it was written in. */
  private record Opened(DataInputStream in, int version) {}

  /** A trained network read back: its configuration, parameters and state. */
  public record Model(ModelConfig config, float[] params, float[] state) {}

  public static void writeModel(OutputStream out, ModelConfig config, float[] params, float[] state) throws IOException {
    write(out, KIND_MODEL, config, body -> {
      Optimizer.writeArray(body, params);
      Optimizer.writeArray(body, state);
    });
  }

  public static void writeCheckpoint(OutputStream out, TrainingState s) throws IOException {
    write(out, KIND_CHECKPOINT, s.config, s::write);
  }

  private interface Body {
    void write(DataOutputStream out) throws IOException;
  }

  private static void write(OutputStream out, byte kind, ModelConfig config, Body body) throws IOException {
    FramedFile.write(out, MAGIC, VERSION, d -> {
      d.writeByte(kind);
      byte[] text = config.text().getBytes(StandardCharsets.UTF_8);
      d.writeInt(text.length);
      d.write(text);
      body.write(d);
    });
  }

  /** Reads a trained network; {@code source} names the file in errors. */
  public static Model readModel(InputStream in, String source) throws IOException {
    DataInputStream d = open(in, source, KIND_MODEL).in();
    ModelConfig config = readConfig(d, source);
    org.bnnspark.nn.Network net = new org.bnnspark.nn.Network(config.network());
    float[] params = new float[net.paramCount()];
    float[] state = new float[net.stateCount()];
    Optimizer.readArray(d, params, source + ": parameters");
    Optimizer.readArray(d, state, source + ": state");
    return new Model(config, params, state);
  }

  /**
   * Reads a checkpoint into a fresh training state for {@code expected}'s architecture; a checkpoint
   * of another architecture is refused.
   */
  public static TrainingState readCheckpoint(InputStream in, String source, ModelConfig expected) throws IOException {
    Opened o = open(in, source, KIND_CHECKPOINT);
    DataInputStream d = o.in();
    int version = o.version();
    ModelConfig saved = readConfig(d, source);
    if (!saved.network().equals(expected.network())) {
      throw new IOException(source + ": checkpoint is of another architecture than the configuration");
    }
    TrainingState s = new TrainingState(expected);
    try {
      s.read(d, version);
    } catch (IOException e) {
      throw new IOException(source + ": " + e.getMessage(), e);
    }
    return s;
  }

  private static Opened open(InputStream in, String source, byte kind) throws IOException {
    byte[] all = in.readNBytes((int) Math.min(MAX_FILE_BYTES, Integer.MAX_VALUE - 16));
    FramedFile.Opened f = FramedFile.open(all, MAGIC, 1, VERSION, source, "bnn-spark file");
    DataInputStream d = f.stream();
    byte k = d.readByte();
    if (k != kind) {
      throw new IOException(source + ": expected a " + kindName(kind) + " but found a " + kindName(k));
    }
    return new Opened(d, f.version());
  }

  private static String kindName(byte k) {
    return k == KIND_MODEL ? "trained network" : k == KIND_CHECKPOINT ? "checkpoint" : "file of unknown kind " + k;
  }

  private static ModelConfig readConfig(DataInputStream d, String source) throws IOException {
    int len = d.readInt();
    if (len < 0 || len > MAX_CONFIG_BYTES) {
      throw new IOException(source + ": configuration length " + len + " is out of range");
    }
    byte[] text = d.readNBytes(len);
    return ModelConfig.parse(new String(text, StandardCharsets.UTF_8), source + " (embedded configuration)");
  }
}
