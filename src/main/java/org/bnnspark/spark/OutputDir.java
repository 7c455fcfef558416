package org.bnnspark.spark;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;

/**
 * A job's output directory on any Hadoop file system. Every file is written to a hidden temporary
 * name in the same directory and renamed into place (replacing an older version atomically where
 * the file system can), so a crash mid-write never leaves a half-written model, metrics file or
 * checkpoint under its final name, and never damages the previous one. On a local directory both
 * steps go through Java's file API ({@link LocalFiles}: Hadoop's local file system ran child
 * processes for them, 30–50 ms for the quick start's small metrics file, each epoch).
 */
public final class OutputDir {
  /** The trained network: configuration, latent weights, BatchNorm state. */
  public static final String MODEL = "model.bnn";
  /** The packed XNOR model compiled from it: what scoring, evaluation and inspection read. */
  public static final String PACKED_MODEL = "model.xnor";
  public static final String CONFIG = "config.json";
  public static final String METRICS = "metrics.jsonl";
  /** Learning curves, epoch table, model summary and configuration as one HTML page. */
  public static final String REPORT = "report.html";
  public static final String CHECKPOINTS = "checkpoints";
  /** Error-feedback residuals of compressed exchange (see {@link HadoopPartitionStore}). */
  public static final String SYNC = "sync";

  private final Path root;
  private final Configuration conf;
  private final FileSystem fs;

  public OutputDir(String dir, Configuration conf) throws IOException {
    this.root = new Path(dir);
    this.conf = conf;
    this.fs = root.getFileSystem(conf);
  }

  /** The directory itself. */
  public Path root() {
    return root;
  }

  public Path path(String name) {
    return new Path(root, name);
  }

  public boolean exists(String name) throws IOException {
    return fs.exists(path(name));
  }

  /** Something that writes a file's content. */
  public interface Writer {
    void write(OutputStream out) throws IOException;
  }

  /** Writes {@code name} atomically: temp file, then rename over any older version. */
  public void write(String name, Writer writer) throws IOException {
    Path target = path(name);
    Path tmp = new Path(target.getParent(), "." + target.getName() + ".tmp-" + UUID.randomUUID());
    java.nio.file.Path localTmp = LocalFiles.local(fs, tmp);
    if (localTmp != null) {
      try (OutputStream out = LocalFiles.createNew(localTmp)) {
        writer.write(out);
      } catch (IOException | RuntimeException e) {
        java.nio.file.Files.deleteIfExists(localTmp);
        throw e;
      }
      LocalFiles.replace(fs, localTmp, target);
      return;
    }
    fs.mkdirs(target.getParent());
    try (OutputStream out = fs.create(tmp, false)) {
      writer.write(out);
    } catch (IOException | RuntimeException e) {
      fs.delete(tmp, false);
      throw e;
    }
    FileContext.getFileContext(target.toUri(), conf).rename(tmp, target, Options.Rename.OVERWRITE);
  }

  public void writeText(String name, String text) throws IOException {
    write(name, out -> out.write(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
  }

  public InputStream open(String name) throws IOException {
    return fs.open(path(name));
  }

  public String readText(String name) throws IOException {
    try (FSDataInputStream in = fs.open(path(name))) {
      ByteArrayOutputStream b = new ByteArrayOutputStream();
      in.transferTo(b);
      return b.toString(java.nio.charset.StandardCharsets.UTF_8);
    }
  }

  public static String checkpointName(int epoch) {
    return CHECKPOINTS + "/" + String.format("epoch-%04d.ckpt", epoch);
  }

  /** Checkpoint names, oldest first (temporary files of an interrupted write are not listed). */
  public List<String> checkpoints() throws IOException {
    List<String> out = new ArrayList<>();
    Path dir = path(CHECKPOINTS);
    if (!fs.exists(dir)) {
      return out;
    }
    for (FileStatus st : fs.listStatus(dir)) {
      String n = st.getPath().getName();
      if (n.matches("epoch-\\d{4,}\\.ckpt")) {
        out.add(CHECKPOINTS + "/" + n);
      }
    }
    out.sort(null);
    return out;
  }

  /**
   * Removes temporary files a killed earlier run left behind (a crash during a write leaves its
   * {@code .NAME.tmp-UUID}; the file under its final name is the previous, complete version).
   * Returns how many were removed.
   */
  public int removeStaleTemporaries() throws IOException {
    int removed = 0;
    for (Path dir : new Path[] {root, path(CHECKPOINTS)}) {
      if (!fs.exists(dir)) {
        continue;
      }
      for (FileStatus st : fs.listStatus(dir)) {
        if (st.isFile() && st.getPath().getName().startsWith(".") && st.getPath().getName().contains(".tmp-")
            && !st.getPath().getName().endsWith(".crc")) {
          fs.delete(st.getPath(), false);
          removed++;
        }
      }
    }
    return removed;
  }

  public void delete(String name) throws IOException {
    fs.delete(path(name), false);
  }

  /** Reads a whole small file through the Hadoop FileSystem API (for configuration files). */
  public static String readTextFile(String file, Configuration conf) throws IOException {
    Path p = new Path(file);
    try (FSDataInputStream in = p.getFileSystem(conf).open(p)) {
      return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    }
  }
}
