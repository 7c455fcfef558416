package org.bnnspark.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OutputDirTest {
  @TempDir
  java.nio.file.Path tmp;

  private static List<String> names(java.nio.file.Path dir) throws IOException {
    try (Stream<java.nio.file.Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void localFilesReplaceOlderVersionsAtomicallyAndReadBackThroughHadoop() throws IOException {
    Configuration conf = new Configuration();
    String dir = tmp.resolve("out").toString();
    // an older build wrote through Hadoop's checksummed local file system: a .crc beside the file
    FileSystem hadoop = new Path(dir).getFileSystem(conf);
    try (OutputStream o = hadoop.create(new Path(dir, "metrics.jsonl"))) {
      o.write("old line, longer than the new one\n".getBytes(StandardCharsets.UTF_8));
    }
    assertTrue(names(tmp.resolve("out")).contains(".metrics.jsonl.crc"), names(tmp.resolve("out")).toString());

    OutputDir out = new OutputDir(dir, conf);
    out.writeText("metrics.jsonl", "new\n");
    // read back through Hadoop's checksummed file system: a stale .crc would fail it
    assertEquals("new\n", out.readText("metrics.jsonl"));
    assertEquals(List.of("metrics.jsonl"), names(tmp.resolve("out")));

    byte[] bytes = new byte[200_000];
    new java.util.SplittableRandom(5).nextBytes(bytes);
    out.write(OutputDir.checkpointName(3), o -> o.write(bytes));
    try (InputStream in = out.open(OutputDir.checkpointName(3))) {
      assertArrayEquals(bytes, in.readAllBytes());
    }
    assertEquals(List.of(OutputDir.checkpointName(3)), out.checkpoints());

    // a writer that fails leaves the previous version and no temporary file
    IOException e = assertThrows(IOException.class, () -> out.write("metrics.jsonl", o -> {
      o.write("half".getBytes(StandardCharsets.UTF_8));
      throw new IOException("disk full");
    }));
    assertEquals("disk full", e.getMessage());
    assertEquals("new\n", out.readText("metrics.jsonl"));
    assertEquals(List.of("checkpoints", "metrics.jsonl"), names(tmp.resolve("out")));
    assertFalse(names(tmp.resolve("out").resolve("checkpoints")).stream().anyMatch(n -> n.startsWith(".")));
    assertEquals(0, out.removeStaleTemporaries());
  }
}
