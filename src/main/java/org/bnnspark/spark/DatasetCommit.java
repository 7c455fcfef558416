package org.bnnspark.spark;

import java.io.IOException;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.DataFrameWriter;
import org.apache.spark.sql.Row;

/**
 * Writes a job's result dataset so that its final path holds either nothing or the complete
 * result. Spark writes (with its own commit protocol) into a hidden staging directory next to the
 * target, {@code .NAME.staging-UUID}; only after the job commits is the staging directory renamed
 * to the target (a directory rename is atomic on HDFS and local file systems; on object stores it
 * is a copy, and the target may briefly be incomplete). A killed run leaves only a staging
 * directory, which the next run for the same target removes before it starts.
 */
public final class DatasetCommit {
  private DatasetCommit() {}

  /**
   * Refuses an existing target unless {@code overwrite}, and removes stale staging directories of
   * earlier runs. Call before the job starts, so a bad target fails fast.
   */
  public static void prepare(String target, boolean overwrite, Configuration conf) throws IOException {
    Path t = new Path(target);
    FileSystem fs = t.getFileSystem(conf);
    if (fs.exists(t) && !overwrite) {
      throw new DataFormatException(target + " already exists (pass --overwrite to replace it)");
    }
    Path parent = t.getParent();
    if (parent != null && fs.exists(parent)) {
      for (FileStatus s : fs.listStatus(parent)) {
        if (s.getPath().getName().startsWith(stagingPrefix(t))) {
          fs.delete(s.getPath(), true);
        }
      }
    }
  }

  private static String stagingPrefix(Path target) {
    return "." + target.getName() + ".staging-";
  }

  /** Saves through {@code writer} into staging, then moves the result to {@code target}. */
  public static void save(DataFrameWriter<Row> writer, String target, boolean overwrite, Configuration conf) throws IOException {
    Path t = new Path(target);
    FileSystem fs = t.getFileSystem(conf);
    Path staging = new Path(t.getParent(), stagingPrefix(t) + UUID.randomUUID());
    try {
      writer.save(staging.toString());
      if (fs.exists(t)) {
        if (!overwrite) {
          throw new DataFormatException(target + " appeared while the job ran; the result is left in " + staging);
        }
        fs.delete(t, true);
      }
      if (!fs.rename(staging, t)) {
        throw new IOException("could not rename " + staging + " to " + target);
      }
    } catch (IOException | RuntimeException e) {
      if (!(e instanceof DataFormatException)) {
        fs.delete(staging, true);
      }
      throw e;
    }
  }
}
