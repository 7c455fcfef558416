package org.bnnspark.spark;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.util.zip.GZIPInputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * An IDX file (the MNIST format, LeCun et al.): a 4-byte magic {@code 0x00 0x00 type ndims} with
 * type {@code 0x08} (unsigned byte), then {@code ndims} big-endian int32 sizes, then the data.
 * Images are {@code n × rows × cols}, labels {@code n}. Files ending in {@code .gz} are gunzipped on
 * the fly. The header is checked against the file length, so a truncated file is refused before
 * any work. Read through the Hadoop FileSystem API ({@code file://}, {@code hdfs://}, {@code s3a://}).
 */
public record IdxFile(String path, int count, int recordBytes, long dataOffset, boolean gzip) implements Serializable {

  /** Reads and validates the header; {@code expectedDims} is 3 for images, 1 for labels. */
  public static IdxFile open(String path, int expectedDims, Configuration conf) {
    Path p = new Path(path);
    try {
      FileSystem fs = p.getFileSystem(conf);
      boolean gzip = path.endsWith(".gz");
      long length = fs.getFileStatus(p).getLen();
      try (DataInputStream in = new DataInputStream(stream(fs.open(p), gzip))) {
        int magic;
        try {
          magic = in.readInt();
        } catch (java.io.EOFException e) {
          throw new DataFormatException(path + ": empty or truncated IDX file (no header)");
        }
        if ((magic >>> 16) != 0 || ((magic >>> 8) & 0xFF) != 0x08) {
          throw new DataFormatException(String.format("%s: not an unsigned-byte IDX file (magic 0x%08X, expected 0x000008%02X)",
              path, magic, expectedDims));
        }
        int dims = magic & 0xFF;
        if (dims != expectedDims) {
          throw new DataFormatException(path + ": IDX file has " + dims + " dimensions, expected " + expectedDims);
        }
        int count = in.readInt();
        long record = 1;
        for (int d = 1; d < dims; d++) {
          int size = in.readInt();
          if (size <= 0 || size > 1 << 16) {
            throw new DataFormatException(path + ": dimension " + d + " has size " + size);
          }
          record *= size;
        }
        if (count < 0) {
          throw new DataFormatException(path + ": negative record count " + count);
        }
        long header = 4L + 4L * dims;
        if (!gzip && length != header + count * record) {
          throw new DataFormatException(path + ": header announces " + count + " records of " + record
              + " bytes (" + (header + count * record) + " bytes in all) but the file has " + length + " bytes");
        }
        return new IdxFile(path, count, (int) record, header, gzip);
      }
    } catch (IOException e) {
      throw new DataFormatException(path + ": cannot read (" + e.getMessage() + ")", e);
    }
  }

  private static InputStream stream(FSDataInputStream raw, boolean gzip) throws IOException {
    return gzip ? new GZIPInputStream(raw, 1 << 16) : raw;
  }

  /** Reads records {@code [from, to)} into {@code out} (unsigned bytes). */
  public void read(int from, int to, byte[] out, Configuration conf) {
    Path p = new Path(path);
    try {
      FileSystem fs = p.getFileSystem(conf);
      try (FSDataInputStream raw = fs.open(p)) {
        long skip = dataOffset + (long) from * recordBytes;
        InputStream in;
        if (gzip) {
          in = stream(raw, true);
          in.skipNBytes(skip);
        } else {
          raw.seek(skip);
          in = raw;
        }
        int need = (to - from) * recordBytes;
        int got = in.readNBytes(out, 0, need);
        if (got != need) {
          throw new DataFormatException(path + ": truncated at record " + (from + got / recordBytes)
              + " (header announces " + count + " records)");
        }
      }
    } catch (IOException e) {
      throw new DataFormatException(path + ": cannot read records " + from + ".." + to + " (" + e.getMessage() + ")", e);
    }
  }
}
