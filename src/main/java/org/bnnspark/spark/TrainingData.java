package org.bnnspark.spark;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;
import org.bnnspark.nn.NetworkSpec;
import org.bnnspark.train.RowBlock;

/**
 * Loads labelled data into cached partitions of {@link RowBlock}s (rows stacked into dense float
 * arrays, already on the network's input scale), {@code MEMORY_AND_DISK}: read once, spilled to disk
 * when it does not fit. Partition {@code k} always holds the same rows for the same input and
 * partition count, which the deterministic batch plan relies on.
 */
public final class TrainingData {
  /** Rows per cached block: big enough for BLAS-friendly copies, small enough to spill in pieces. */
  public static final int BLOCK_ROWS = 4096;

  private TrainingData() {}

  /** The files of an MNIST-named IDX directory: {@code prefix-images-idx3-ubyte[.gz]} and labels. */
  public static String[] idxPair(String dir, String prefix, Configuration conf) {
    String images = idxFile(dir, prefix + "-images-idx3-ubyte", conf);
    String labels = idxFile(dir, prefix + "-labels-idx1-ubyte", conf);
    if (images == null || labels == null) {
      return null;
    }
    return new String[] {images, labels};
  }

  /** {@code dir/name} or {@code dir/name.gz}, whichever exists, else null. */
  public static String idxFile(String dir, String name, Configuration conf) {
    for (String candidate : new String[] {name, name + ".gz"}) {
      Path p = new Path(dir, candidate);
      try {
        FileSystem fs = p.getFileSystem(conf);
        if (fs.exists(p)) {
          return p.toString();
        }
      } catch (java.io.IOException e) {
        throw new DataFormatException(p + ": cannot access (" + e.getMessage() + ")", e);
      }
    }
    return null;
  }

  /**
   * Opens an IDX image file and, unless {@code labelsPath} is null, its label file, and checks that
   * they have as many records as each other and images as wide as the network's input.
   */
  static IdxFile[] openPair(String imagesPath, String labelsPath, NetworkSpec spec, Configuration conf) {
    IdxFile images = IdxFile.open(imagesPath, 3, conf);
    IdxFile labels = labelsPath == null ? null : IdxFile.open(labelsPath, 1, conf);
    if (labels != null && images.count() != labels.count()) {
      throw new DataFormatException(imagesPath + " has " + images.count() + " images but " + labelsPath + " has "
          + labels.count() + " labels");
    }
    if (images.recordBytes() != spec.inputSize()) {
      throw new DataFormatException(imagesPath + ": images have " + images.recordBytes()
          + " pixels but the network's input_size is " + spec.inputSize());
    }
    return new IdxFile[] {images, labels};
  }

  /** Reads an IDX image/label pair into {@code partitions} cached partitions. */
  public static JavaRDD<RowBlock> idx(JavaSparkContext jsc, String imagesPath, String labelsPath, NetworkSpec spec,
      int partitions) {
    Configuration hconf = jsc.hadoopConfiguration();
    IdxFile[] pair = openPair(imagesPath, labelsPath, spec, hconf);
    IdxFile images = pair[0];
    IdxFile labels = pair[1];
    int n = images.count();
    if (n == 0) {
      throw new DataFormatException(imagesPath + ": no records");
    }
    List<Integer> parts = new ArrayList<>();
    for (int k = 0; k < partitions; k++) {
      parts.add(k);
    }
    // broadcast, not captured: every training step serializes this RDD's lineage into its tasks
    org.apache.spark.broadcast.Broadcast<HadoopConf> conf = jsc.broadcast(new HadoopConf(hconf));
    int classes = spec.classes();
    JavaRDD<RowBlock> rdd = jsc.parallelize(parts, partitions).mapPartitions(it -> {
      List<RowBlock> blocks = new ArrayList<>();
      while (it.hasNext()) {
        int k = it.next();
        int from = (int) ((long) k * n / partitions);
        int to = (int) ((long) (k + 1) * n / partitions);
        for (int b = from; b < to; b += BLOCK_ROWS) {
          blocks.add(readIdxBlock(images, labels, b, Math.min(to, b + BLOCK_ROWS), spec, classes, conf.value().get()));
        }
      }
      return blocks.iterator();
    });
    return rdd.setName("idx " + imagesPath).persist(StorageLevel.MEMORY_AND_DISK());
  }

  private static RowBlock readIdxBlock(IdxFile images, IdxFile labels, int from, int to, NetworkSpec spec, int classes,
      Configuration conf) {
    int rows = to - from;
    int f = images.recordBytes();
    byte[] pix = new byte[rows * f];
    images.read(from, to, pix, conf);
    byte[] lab = new byte[rows];
    labels.read(from, to, lab, conf);
    float[] lut = new float[256];
    for (int v = 0; v < 256; v++) {
      lut[v] = spec.scaleInput(v);
    }
    float[] x = new float[rows * f];
    for (int i = 0; i < x.length; i++) {
      x[i] = lut[pix[i] & 0xFF];
    }
    int[] y = new int[rows];
    for (int r = 0; r < rows; r++) {
      y[r] = lab[r] & 0xFF;
      if (y[r] >= classes) {
        throw new DataFormatException(labels.path() + ": record " + (from + r) + ": label " + y[r]
            + " is out of range for " + classes + " classes");
      }
    }
    return new RowBlock(rows, f, x, y);
  }

  /** Blocks of one partition as a list (cached partitions iterate over the stored objects). */
  static List<RowBlock> toList(Iterator<RowBlock> it) {
    List<RowBlock> out = new ArrayList<>();
    it.forEachRemaining(out::add);
    return out;
  }
}
