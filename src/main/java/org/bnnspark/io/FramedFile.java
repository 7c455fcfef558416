package org.bnnspark.io;

import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.zip.CRC32;
import java.util.zip.CheckedOutputStream;

/**
 * The framing both of our binary formats share ({@code model.bnn} and checkpoints, {@code model.xnor}):
 * <pre>
 *   8 bytes  magic number (the format's own)
 *   int      format version
 *   …        the format's body
 *   long     CRC-32 of every byte above
 * </pre>
 * Big-endian throughout. {@link #open} checks the magic number, the length, the version range and
 * the checksum — in that order, each failure one line naming the file — before the format reads a
 * byte of its body.
 */
public final class FramedFile {
  private static final int MAGIC_BYTES = 8;

  private FramedFile() {}

  /** Writes a format's body. */
  public interface Body {
    void write(DataOutputStream out) throws IOException;
  }

  /** A checked file: its version and where its body lies in {@code bytes}. */
  public record Opened(int version, byte[] bytes, int bodyStart, int bodyEnd) {
    /** The body as a buffer (positioned at its start, limited at its end). */
    public ByteBuffer buffer() {
      ByteBuffer b = ByteBuffer.wrap(bytes, 0, bodyEnd);
      b.position(bodyStart);
      return b;
    }

    /** The body as a stream. */
    public DataInputStream stream() {
      return new DataInputStream(new ByteArrayInputStream(bytes, bodyStart, bodyEnd - bodyStart));
    }
  }

  /** The framed bytes of {@code body} under {@code magic} and {@code version}. */
  public static byte[] write(byte[] magic, int version, Body body) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try {
      write(bytes, magic, version, body);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail; a body writing to it neither
    }
    return bytes.toByteArray();
  }

  /**
   * Writes the framed {@code body} to {@code out} as it is produced, the checksum computed on the
   * way (the same bytes as {@link #write(byte[], int, Body)}). A checkpoint is ~8 MB: held whole in
   * memory it was a growing array past half a G1 region, a humongous object whose allocation
   * started a concurrent marking cycle once per epoch. {@code out} is flushed, not closed.
   */
  public static void write(OutputStream out, byte[] magic, int version, Body body) throws IOException {
    if (magic.length != MAGIC_BYTES) {
      throw new IllegalArgumentException("a magic number has " + MAGIC_BYTES + " bytes");
    }
    BufferedOutputStream buffered = new BufferedOutputStream(out, 1 << 16);
    CRC32 crc = new CRC32();
    DataOutputStream d = new DataOutputStream(new CheckedOutputStream(buffered, crc));
    d.write(magic);
    d.writeInt(version);
    body.write(d);
    d.flush();
    new DataOutputStream(buffered).writeLong(crc.getValue());
    buffered.flush();
  }

  /** Whether {@code head} (a file's first bytes) starts with {@code magic}. */
  public static boolean startsWith(byte[] head, byte[] magic) {
    if (head.length < magic.length) {
      return false;
    }
    for (int i = 0; i < magic.length; i++) {
      if (head[i] != magic[i]) {
        return false;
      }
    }
    return true;
  }

  /**
   * Checks a whole file read into {@code all}: a {@code what} (e.g. "packed bnn-spark model") under
   * {@code magic}, of a version in {@code [oldest, newest]}, with an intact checksum.
   */
  public static Opened open(byte[] all, byte[] magic, int oldest, int newest, String source, String what) throws IOException {
    if (!startsWith(all, magic)) {
      throw new IOException(source + ": not a " + what + " (wrong magic number)");
    }
    if (all.length < magic.length + 4 + 8) {
      throw new IOException(source + ": truncated " + what + " (" + all.length + " bytes)");
    }
    int version = ByteBuffer.wrap(all, magic.length, 4).getInt();
    if (version < oldest || version > newest) {
      throw new IOException(source + ": " + what + " format version " + version + " is not supported (this build reads "
          + (oldest == newest ? "" + newest : oldest + " to " + newest) + ")");
    }
    CRC32 crc = new CRC32();
    crc.update(all, 0, all.length - 8);
    if (ByteBuffer.wrap(all, all.length - 8, 8).getLong() != crc.getValue()) {
      throw new IOException(source + ": checksum mismatch (the file is truncated or corrupt)");
    }
    return new Opened(version, all, magic.length + 4, all.length - 8);
  }
}
