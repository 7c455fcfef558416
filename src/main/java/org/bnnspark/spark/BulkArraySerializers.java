package org.bnnspark.spark;

import org.bnnspark.train.ParamsSnapshot;
import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.bnnspark.train.StepSums;

/**
 * Kryo serializers for the two objects every training step ships (parameters out, gradient sums
 * back): their arrays go through as one bulk byte copy each. Kryo's own array serializers write
 * element by element into a small buffer, which at a few MB per step was a large share of the
 * step's time.
 */
public final class BulkArraySerializers {
  private BulkArraySerializers() {}

  /**
   * Elements per bulk copy: arrays of a few MB go through a 64 KiB buffer, not a copy of their own
   * size (a "humongous" allocation for G1, several per step and partition).
   */
  private static final int CHUNK = 8192;

  /** Copies elements {@code [from, from + len)} between an array and a chunk buffer. */
  private interface ChunkCopy {
    void copy(ByteBuffer chunk, int from, int len);
  }

  /** Writes {@code n} elements of {@code width} bytes, a chunk at a time. */
  private static void writeChunks(Output out, int n, int width, ChunkCopy put) {
    ByteBuffer b = ByteBuffer.allocate(width * Math.min(CHUNK, n)).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < n; i += CHUNK) {
      int len = Math.min(CHUNK, n - i);
      b.clear();
      put.copy(b, i, len);
      out.writeBytes(b.array(), 0, width * len);
    }
  }

  /** Reads {@code n} elements of {@code width} bytes, a chunk at a time. */
  private static void readChunks(Input in, int n, int width, ChunkCopy get) {
    byte[] bytes = new byte[width * Math.min(CHUNK, n)];
    ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < n; i += CHUNK) {
      int len = Math.min(CHUNK, n - i);
      in.readBytes(bytes, 0, width * len);
      b.clear();
      get.copy(b, i, len);
    }
  }

  static void writeFloats(Output out, float[] a) {
    out.writeInt(a.length);
    writeChunks(out, a.length, 4, (b, i, len) -> b.asFloatBuffer().put(a, i, len));
  }

  static float[] readFloats(Input in) {
    float[] a = new float[in.readInt()];
    readChunks(in, a.length, 4, (b, i, len) -> b.asFloatBuffer().get(a, i, len));
    return a;
  }

  static void writeLongs(Output out, long[] a) {
    out.writeInt(a.length);
    writeChunks(out, a.length, 8, (b, i, len) -> b.asLongBuffer().put(a, i, len));
  }

  static void readLongs(Input in, long[] into) {
    readChunks(in, into.length, 8, (b, i, len) -> b.asLongBuffer().get(into, i, len));
  }

  /** Parameters, state and inner state as three bulk float copies. */
  public static final class Snapshot extends Serializer<ParamsSnapshot> {
    @Override
    public void write(Kryo kryo, Output out, ParamsSnapshot s) {
      writeFloats(out, s.params);
      writeFloats(out, s.state);
      writeFloats(out, s.inner);
    }

    @Override
    public ParamsSnapshot read(Kryo kryo, Input in, Class<ParamsSnapshot> type) {
      return new ParamsSnapshot(readFloats(in), readFloats(in), readFloats(in));
    }
  }

  /** A round's sums: a partition's float vector or the merged long sums, bulk copies, then the sign messages. */
  public static final class Sums extends Serializer<StepSums> {
    @Override
    public void write(Kryo kryo, Output out, StepSums s) {
      out.writeInt(s.paramCount());
      out.writeInt(s.stats.length);
      // a partition's vector as floats with its scale, or merged fixed-point sums
      out.writeBoolean(s.pendingVector() != null);
      if (s.pendingVector() != null) {
        out.writeDouble(s.pendingScale());
        writeFloats(out, s.pendingVector());
      } else {
        writeLongs(out, s.hasVector() ? s.fixedSums() : new long[0]);
      }
      writeLongs(out, s.stats);
      out.writeLong(s.loss);
      out.writeLong(s.correct);
      out.writeLong(s.count);
      out.writeLong(s.maxComputeNanos);
      writeLongs(out, s.inner);
      out.writeInt(s.signed.size());
      for (StepSums.SignMessage m : s.signed) {
        out.writeInt(m.partition());
        out.writeLong(m.count());
        writeLongs(out, m.signs());
        writeFloats(out, m.scales());
      }
    }

    @Override
    public StepSums read(Kryo kryo, Input in, Class<StepSums> type) {
      int params = in.readInt();
      int stats = in.readInt();
      StepSums s = new StepSums(params, stats);
      if (in.readBoolean()) {
        double scale = in.readDouble();
        s.setVector(readFloats(in), scale, null);
      } else {
        long[] sums = new long[in.readInt()];
        readLongs(in, sums);
        s.setVector(null, 0, sums);
      }
      in.readInt();
      readLongs(in, s.stats);
      s.loss = in.readLong();
      s.correct = in.readLong();
      s.count = in.readLong();
      s.maxComputeNanos = in.readLong();
      s.inner = new long[in.readInt()];
      readLongs(in, s.inner);
      for (int k = in.readInt(); k > 0; k--) {
        int partition = in.readInt();
        long count = in.readLong();
        long[] signs = new long[in.readInt()];
        readLongs(in, signs);
        s.signed.add(new StepSums.SignMessage(partition, count, signs, readFloats(in)));
      }
      return s;
    }
  }

  /** A packed model travels in its own file format (one bulk copy; the format is versioned and checked). */
  public static final class Packed extends Serializer<org.bnnspark.inference.PackedModel> {
    @Override
    public void write(Kryo kryo, Output out, org.bnnspark.inference.PackedModel m) {
      byte[] bytes = org.bnnspark.inference.PackedModelFile.toBytes(m);
      out.writeInt(bytes.length);
      out.writeBytes(bytes);
    }

    @Override
    public org.bnnspark.inference.PackedModel read(Kryo kryo, Input in, Class<org.bnnspark.inference.PackedModel> type) {
      try {
        return org.bnnspark.inference.PackedModelFile.fromBytes(in.readBytes(in.readInt()), "broadcast packed model");
      } catch (java.io.IOException e) {
        throw new com.esotericsoftware.kryo.KryoException(e);
      }
    }
  }

  /** A scoring model: the packed model's file bytes, or the configuration text and the float arrays. */
  public static final class Scoring extends Serializer<ScoringModel> {
    private final Packed packed = new Packed();

    @Override
    public void write(Kryo kryo, Output out, ScoringModel m) {
      out.writeBoolean(m.packed != null);
      if (m.packed != null) {
        packed.write(kryo, out, m.packed);
        return;
      }
      out.writeString(m.config.text());
      writeFloats(out, m.params);
      writeFloats(out, m.state);
    }

    @Override
    public ScoringModel read(Kryo kryo, Input in, Class<ScoringModel> type) {
      if (in.readBoolean()) {
        return ScoringModel.packed(packed.read(kryo, in, null));
      }
      String text = in.readString();
      org.bnnspark.train.ModelConfig config = org.bnnspark.train.ModelConfig.parse(text, "broadcast model configuration");
      return ScoringModel.graph(config, readFloats(in), readFloats(in));
    }
  }
}
