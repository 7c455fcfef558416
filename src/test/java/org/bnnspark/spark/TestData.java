package org.bnnspark.spark;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.zip.GZIPOutputStream;

/**
 * Writes a small MNIST-shaped IDX data set for the Spark tests: {@code train-*} and {@code t10k-*}
 * files of 8×8 "images" (pixels 0..255) whose class is a noisy ±1 prototype, as in
 * {@link org.bnnspark.train.SyntheticData}.
 */
final class TestData {
  static final int SIDE = 8;
  static final int CLASSES = 4;

  static final String CONFIG = """
      {
        "name": "test-bnn",
        "network": {"input_size": 64, "input_range": [0, 255], "classes": 4, "layers": [
          {"type": "binary_dense", "units": 48}, {"type": "batch_norm"}, {"type": "sign"},
          {"type": "binary_dense", "units": 32}, {"type": "batch_norm"}, {"type": "sign"},
          {"type": "binary_dense", "units": 4}, {"type": "batch_norm"}
        ]},
        "training": {"epochs": 2, "batch_size": 64, "seed": 3,
                     "optimizer": {"type": "adam"}, "schedule": {"type": "cosine", "lr": 0.01}}
      }
      """;

  /** The same network without BatchNorm: its gradient is a plain sum over examples. */
  static final String CONFIG_NO_BN = """
      {
        "network": {"input_size": 64, "input_range": [0, 255], "classes": 4, "layers": [
          {"type": "binary_dense", "units": 24, "bias": true}, {"type": "hardtanh"},
          {"type": "binary_dense", "units": 4, "bias": true}
        ]},
        "training": {"epochs": 1, "batch_size": 90, "seed": 5}
      }
      """;

  private TestData() {}

  static Path write(Path dir, int trainRows, int testRows, boolean gzip) throws IOException {
    return write(dir, trainRows, testRows, gzip, SIDE);
  }

  /** The same with 28×28 images, for the built-in MNIST configurations (conf/mnist-*.json). */
  static Path writeMnistShaped(Path dir, int trainRows, int testRows) throws IOException {
    return write(dir, trainRows, testRows, false, 28);
  }

  private static Path write(Path dir, int trainRows, int testRows, boolean gzip, int side) throws IOException {
    Files.createDirectories(dir);
    SplittableRandom protoRng = new SplittableRandom(99);
    int[][] proto = new int[CLASSES][side * side];
    for (int[] p : proto) {
      for (int j = 0; j < p.length; j++) {
        p[j] = protoRng.nextBoolean() ? 1 : -1;
      }
    }
    SplittableRandom rng = new SplittableRandom(7);
    write(dir, "train", trainRows, proto, rng, gzip, side);
    write(dir, "t10k", testRows, proto, rng, gzip, side);
    return dir;
  }

  private static void write(Path dir, String prefix, int rows, int[][] proto, SplittableRandom rng, boolean gzip, int side)
      throws IOException {
    byte[] pixels = new byte[rows * side * side];
    byte[] labels = new byte[rows];
    for (int r = 0; r < rows; r++) {
      int c = rng.nextInt(CLASSES);
      labels[r] = (byte) c;
      for (int j = 0; j < side * side; j++) {
        int v = proto[c][j] * (rng.nextDouble() < 0.15 ? -1 : 1);
        pixels[r * side * side + j] = (byte) Math.max(0, Math.min(255, 128 + v * 90 + rng.nextInt(61) - 30));
      }
    }
    String ext = gzip ? ".gz" : "";
    try (DataOutputStream out = new DataOutputStream(open(dir.resolve(prefix + "-images-idx3-ubyte" + ext), gzip))) {
      out.writeInt(0x00000803);
      out.writeInt(rows);
      out.writeInt(side);
      out.writeInt(side);
      out.write(pixels);
    }
    try (DataOutputStream out = new DataOutputStream(open(dir.resolve(prefix + "-labels-idx1-ubyte" + ext), gzip))) {
      out.writeInt(0x00000801);
      out.writeInt(rows);
      out.write(labels);
    }
  }

  /** The IDX pair {@code prefix-*} of {@code dir} rewritten as CSV lines {@code label,p1,…,p64}. */
  static Path csvFromIdx(Path dir, String prefix, Path csv) throws IOException {
    byte[] pix = Files.readAllBytes(dir.resolve(prefix + "-images-idx3-ubyte"));
    byte[] lab = Files.readAllBytes(dir.resolve(prefix + "-labels-idx1-ubyte"));
    StringBuilder sb = new StringBuilder();
    for (int r = 0; r < lab.length - 8; r++) {
      sb.append(lab[8 + r]);
      for (int j = 0; j < SIDE * SIDE; j++) {
        sb.append(',').append(pix[16 + r * SIDE * SIDE + j] & 0xFF);
      }
      sb.append('\n');
    }
    Files.writeString(csv, sb.toString());
    return csv;
  }

  private static OutputStream open(Path p, boolean gzip) throws IOException {
    OutputStream raw = Files.newOutputStream(p);
    return gzip ? new GZIPOutputStream(raw) : raw;
  }
}
