package org.bnnspark.spark;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;

/**
 * Writes to local directories through Java's file API instead of Hadoop's local file system, which
 * (without Hadoop's native library, the usual case) runs {@code chmod} or {@code stat} in a child
 * process for every file and directory it creates or renames: 30–50 ms for a small file, more than
 * the write. Other file systems go through Hadoop as before.
 */
final class LocalFiles {
  private LocalFiles() {}

  /** {@code p} as a local path when {@code fs} is Hadoop's local file system (checksummed or raw), else null. */
  static java.nio.file.Path local(FileSystem fs, Path p) {
    if (fs instanceof LocalFileSystem checked) {
      fs = checked.getRawFileSystem();
    }
    return fs instanceof RawLocalFileSystem raw ? raw.pathToFile(p).toPath() : null;
  }

  /** A new file (its directories created), replacing an older one; buffered. */
  static OutputStream create(FileSystem fs, Path file) throws IOException {
    java.nio.file.Path local = local(fs, file);
    if (local == null) {
      return fs.create(file, true);
    }
    return open(local);
  }

  /**
   * Renames the local file {@code tmp} over {@code target} atomically. On a checksummed local file
   * system the target's {@code .crc} side file, which described an older version, is removed first
   * (a file without one is read unchecked; our binary formats carry their own checksum).
   */
  static void replace(FileSystem fs, java.nio.file.Path tmp, Path target) throws IOException {
    if (fs instanceof LocalFileSystem checked) {
      java.nio.file.Path crc = local(fs, checked.getChecksumFile(target));
      Files.deleteIfExists(crc);
    }
    Files.move(tmp, local(fs, target), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  /** A new local file that must not exist yet (a temporary name), its directories created. */
  static OutputStream createNew(java.nio.file.Path file) throws IOException {
    return open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
  }

  /** {@code file} opened with {@code options} (none: create or truncate), its directories created; buffered. */
  private static OutputStream open(java.nio.file.Path file, StandardOpenOption... options) throws IOException {
    Files.createDirectories(file.getParent());
    return new BufferedOutputStream(Files.newOutputStream(file, options), 1 << 16);
  }
}
