package org.bnnspark.inference;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.bnnspark.bits.BitPacking;
import org.bnnspark.io.FramedFile;
import org.bnnspark.nn.ConvGeometry;
import org.bnnspark.nn.Lowering;
import org.bnnspark.nn.Shape;

/**
 * The packed model file ({@code model.xnor}); the layout is specified in {@code docs/model-format.md}.
 * Big-endian, no Java serialization, a CRC-32 over everything before it; every count is checked
 * against the bytes that remain before anything is allocated. Streams come from the caller (the
 * jobs open them through the Hadoop FileSystem API).
 */
public final class PackedModelFile {
  static final byte[] MAGIC = "BNNXNOR\u0000".getBytes(StandardCharsets.US_ASCII);
  /**
   * Version 3 added stages kept in the training graph's form (written only by models that have
   * one: every other model is still written as version 2); version 2 added shapes, convolutions and
   * pooling; version 1 files (dense stages) are still read.
   */
  public static final int VERSION = 3;
  static final int VERSION_WITHOUT_GRAPH_STAGES = 2;
  private static final int MAX_FILE_BYTES = Integer.MAX_VALUE - 64;
  static final int MAX_STAGES = 4096;
  private static final int MAX_TEXT_BYTES = 1 << 20;

  private PackedModelFile() {}

  /** Whether {@code head} (the first bytes of a file) starts with this format's magic number. */
  public static boolean looksLikePackedModel(byte[] head) {
    return FramedFile.startsWith(head, MAGIC);
  }

  public static byte[] toBytes(PackedModel m) {
    int version = m.stages().stream().mapToInt(s -> s.product().minVersion()).max().orElseThrow();
    return FramedFile.write(MAGIC, version, d -> {
      writeText(d, m.name());
      d.writeInt(m.inputSize());
      d.writeInt(m.classes());
      d.writeByte(m.quantizedInput() ? 1 : 0);
      if (m.quantizedInput()) {
        d.writeDouble(m.inputLow());
        d.writeDouble(m.inputHigh());
      }
      d.writeInt(m.stages().size());
      for (PackedStage s : m.stages()) {
        writeStage(d, s);
      }
      writeText(d, m.sourceConfig());
    });
  }

  public static void write(OutputStream out, PackedModel m) throws IOException {
    out.write(toBytes(m));
  }

  /** Reads a packed model; {@code source} names the file in errors. */
  public static PackedModel read(InputStream in, String source) throws IOException {
    return fromBytes(in.readNBytes(MAX_FILE_BYTES), source);
  }

  public static PackedModel fromBytes(byte[] all, String source) throws IOException {
    FramedFile.Opened f = FramedFile.open(all, MAGIC, 1, VERSION, source, "packed bnn-spark model");
    try {
      return readBody(f.buffer(), source, f.version());
    } catch (BufferUnderflowException e) {
      throw new IOException(source + ": truncated packed model", e);
    } catch (IllegalArgumentException e) {
      throw new IOException(source + ": " + e.getMessage(), e);
    }
  }

  private static PackedModel readBody(ByteBuffer b, String source, int version) throws IOException {
    String name = readText(b, source, "name");
    int inputSize = positive(b.getInt(), source, "input size");
    int classes = positive(b.getInt(), source, "class count");
    byte encoding = b.get();
    double low = Double.NaN;
    double high = Double.NaN;
    if (encoding == 1) {
      low = b.getDouble();
      high = b.getDouble();
      if (!(low < high)) {
        throw new IOException(source + ": input range [" + low + ", " + high + "] is empty");
      }
    } else if (encoding != 0) {
      throw new IOException(source + ": unknown input encoding " + encoding);
    }
    int count = b.getInt();
    if (count < 1 || count > MAX_STAGES) {
      throw new IOException(source + ": stage count " + count + " is out of range");
    }
    List<PackedStage> stages = new ArrayList<>();
    for (int s = 0; s < count; s++) {
      stages.add(readStage(b, source + ": stage " + s, version, 0));
    }
    String config = readText(b, source, "source configuration");
    if (b.hasRemaining()) {
      throw new IOException(source + ": " + b.remaining() + " unexpected bytes after the model");
    }
    return new PackedModel(name, inputSize, classes, low, high, stages, config);
  }

  static void writeFloats(DataOutputStream d, float[] values) throws IOException {
    for (float v : values) {
      d.writeFloat(v);
    }
  }

  private static void writeShape(DataOutputStream d, Shape shape) throws IOException {
    d.writeInt(shape.height());
    d.writeInt(shape.width());
    d.writeInt(shape.channels());
  }

  private static Shape readShape(ByteBuffer b, String where, String what) throws IOException {
    Shape shape = new Shape(positive(b.getInt(), where, what + " height"), positive(b.getInt(), where, what + " width"),
        positive(b.getInt(), where, what + " channels"));
    positive((int) Math.min(Integer.MAX_VALUE, (long) shape.height() * shape.width() * shape.channels()), where, what + " size");
    return shape;
  }

  private static int nonNegative(int v, String source, String what) throws IOException {
    return v == 0 ? 0 : positive(v, source, what);
  }

  /**
   * What a stage's product reads its bytes with ({@link StageProduct#read}): what the stage's
   * header said, and the buffer at the product's bytes.
   */
  static final class In {
    final ByteBuffer b;
    final String where;
    final int version;
    /** How many residual blocks the stage is nested in. */
    final int depth;
    final int features;
    final int patch;

    In(ByteBuffer b, String where, int version, int depth, int features, int patch) {
      this.b = b;
      this.where = where;
      this.version = version;
      this.depth = depth;
      this.features = features;
      this.patch = patch;
    }

    /** {@code blocks × features} packed rows of {@code patch} bits. */
    long[] packedRows(int blocks) throws IOException {
      long[] rows = new long[checked(b, (long) blocks * features * BitPacking.words(patch), 8, where)];
      b.asLongBuffer().get(rows);
      b.position(b.position() + 8 * rows.length);
      return rows;
    }

    float[] floats(long count) throws IOException {
      return PackedModelFile.floats(b, count, where);
    }

    /** A count of values (zero or more) read from the buffer. */
    int count(String what) throws IOException {
      return nonNegative(b.getInt(), where, what);
    }

    /** {@code count} stages of a block nested one deeper. */
    List<PackedStage> stages(int count) throws IOException {
      List<PackedStage> stages = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        stages.add(readStage(b, where + " block stage " + i, version, depth + 1));
      }
      return stages;
    }

    org.bnnspark.nn.LayerSpec spec() throws IOException {
      return readSpec(b, where);
    }
  }

  static void writeLongs(DataOutputStream d, long[] values) throws IOException {
    for (long v : values) {
      d.writeLong(v);
    }
  }

  static void writeStage(DataOutputStream d, PackedStage s) throws IOException {
    d.writeByte(s.product().code());
    writeShape(d, s.inShape());
    writeShape(d, s.outShape());
    d.writeByte(s.conv() != null ? 1 : 0);
    if (s.conv() != null) {
      d.writeInt(s.conv().kernel());
      d.writeInt(s.conv().stride());
      d.writeInt(s.conv().padding());
    }
    d.writeByte(s.pool() != null ? 1 : 0);
    if (s.pool() != null) {
      d.writeInt(s.pool().size());
      d.writeInt(s.pool().stride());
      d.writeByte(s.pool().afterOps() ? 1 : 0);
    }
    d.writeByte(s.signOut() ? 1 : 0);
    s.product().write(d);
    d.writeByte(s.folded() ? 1 : 0);
    if (s.folded()) {
      for (int j = 0; j < s.features(); j++) {
        d.writeInt(s.threshold()[j]);
        d.writeByte(s.flip()[j] ? 1 : 0);
      }
    } else {
      d.writeInt(s.ops().length);
      for (PointwiseOp op : s.ops()) {
        d.writeByte(op.kind().code());
        for (float[] a : op.arrays()) {
          for (float v : a) {
            d.writeFloat(v);
          }
        }
      }
    }
  }

  /** One stage; {@code depth} counts the residual blocks it is nested in. */
  private static PackedStage readStage(ByteBuffer b, String where, int version, int depth) throws IOException {
    int code = b.get();
    Shape inShape;
    Shape outShape;
    ConvGeometry conv = null;
    PackedStage.Pool pool = null;
    if (version == 1) {
      inShape = Shape.flat(positive(b.getInt(), where, "input width"));
      outShape = Shape.flat(positive(b.getInt(), where, "output width"));
    } else {
      inShape = readShape(b, where, "input");
      outShape = readShape(b, where, "output");
      if (b.get() != 0) {
        conv = new ConvGeometry(inShape, positive(b.getInt(), where, "kernel"), positive(b.getInt(), where, "stride"),
            nonNegative(b.getInt(), where, "padding"));
      }
      if (b.get() != 0) {
        pool = new PackedStage.Pool(positive(b.getInt(), where, "pool size"), positive(b.getInt(), where, "pool stride"), b.get() != 0);
      }
    }
    boolean signOut = b.get() != 0;
    int features = outShape.channels();
    StageProduct product = StageProduct.read(code, new In(b, where, version, depth, features, conv != null ? conv.patchSize() : inShape.size()));
    int[] threshold = null;
    boolean[] flip = null;
    PointwiseOp[] ops;
    if (b.get() != 0) {
      threshold = new int[checked(b, features, 5, where)];
      flip = new boolean[features];
      for (int j = 0; j < features; j++) {
        threshold[j] = b.getInt();
        flip[j] = b.get() != 0;
      }
      ops = new PointwiseOp[0];
    } else {
      int opCount = b.getInt();
      if (opCount < 0 || opCount > 64) {
        throw new IOException(where + ": operation count " + opCount + " is out of range");
      }
      ops = new PointwiseOp[opCount];
      for (int o = 0; o < opCount; o++) {
        Lowering.OpKind kind = Lowering.OpKind.byCode(b.get(), where);
        float[][] arrays = new float[kind.arrayCount()][];
        for (int a = 0; a < arrays.length; a++) {
          arrays[a] = floats(b, PointwiseOp.arrayLength(kind, a, product.shape(inShape, outShape, conv)), where);
        }
        ops[o] = new PointwiseOp(kind, arrays);
      }
    }
    try {
      return new PackedStage(product, inShape, outShape, conv, pool, threshold, flip, ops, signOut);
    } catch (IllegalArgumentException e) {
      throw new IOException(where + ": " + e.getMessage(), e);
    }
  }

  /** A layer's configuration ({@link org.bnnspark.nn.LayerSpec#write}) from the buffer's position, which it advances past it. */
  private static org.bnnspark.nn.LayerSpec readSpec(ByteBuffer b, String where) throws IOException {
    java.io.ByteArrayInputStream bytes = new java.io.ByteArrayInputStream(b.array(), b.arrayOffset() + b.position(), b.remaining());
    try {
      org.bnnspark.nn.LayerSpec spec = org.bnnspark.nn.LayerSpec.read(new java.io.DataInputStream(bytes));
      b.position(b.limit() - bytes.available());
      return spec;
    } catch (java.io.EOFException e) {
      throw new IOException(where + ": truncated layer configuration", e);
    }
  }

  private static int positive(int v, String source, String what) throws IOException {
    if (v <= 0 || v > (1 << 26)) {
      throw new IOException(source + ": " + what + " " + v + " is out of range");
    }
    return v;
  }

  /** Checks that {@code count} items of {@code size} bytes remain before allocating them. */
  private static int checked(ByteBuffer b, long count, int size, String where) throws IOException {
    if (count * size > b.remaining()) {
      throw new IOException(where + ": truncated (needs " + count * size + " bytes, " + b.remaining() + " remain)");
    }
    return (int) count;
  }

  private static float[] floats(ByteBuffer b, long count, String where) throws IOException {
    float[] v = new float[checked(b, count, 4, where)];
    b.asFloatBuffer().get(v);
    b.position(b.position() + 4 * v.length);
    return v;
  }

  private static void writeText(DataOutputStream d, String s) throws IOException {
    byte[] t = s.getBytes(StandardCharsets.UTF_8);
    d.writeInt(t.length);
    d.write(t);
  }

  private static String readText(ByteBuffer b, String source, String what) throws IOException {
    int len = b.getInt();
    if (len < 0 || len > MAX_TEXT_BYTES || len > b.remaining()) {
      throw new IOException(source + ": " + what + " length " + len + " is out of range");
    }
    byte[] t = new byte[len];
    b.get(t);
    return new String(t, StandardCharsets.UTF_8);
  }
}
