package org.bnnspark.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The partition store on a local directory: a vector comes back bit for bit from its file (chunk
 * boundaries, NaN payloads, −0), the vector a task wrote in this JVM is taken once by the next
 * round and never by another run, and a damaged file fails with its path and what is wrong.
 */
class HadoopPartitionStoreTest {
  private static JavaSparkContext jsc;

  @BeforeAll
  static void start() throws Exception {
    jsc = SparkSessions.local(1);
  }

  @AfterAll
  static void stop() {
    jsc.stop();
  }

  private static HadoopPartitionStore store(Path dir) {
    return new HadoopPartitionStore(dir.toUri().toString(), jsc.broadcast(new HadoopConf(jsc.hadoopConfiguration())));
  }

  private static float[] floats(int n, long seed) {
    return BulkArraySerializersTest.floats(n, new SplittableRandom(seed));
  }

  private static int[] bits(float[] a) {
    int[] b = new int[a.length];
    for (int i = 0; i < a.length; i++) {
      b[i] = Float.floatToRawIntBits(a[i]);
    }
    return b;
  }

  @Test
  void vectorsComeBackBitForBitFromTheirFiles(@TempDir Path dir) throws Exception {
    HadoopPartitionStore store = store(dir).forRun();
    List<Integer> sizes = List.of(1, 8191, 8192, 8193, 3 * 8192 + 17);
    for (int k = 0; k < sizes.size(); k++) {
      store.write(5, k, floats(sizes.get(k), k));
    }
    HadoopPartitionStore.forgetRecent();
    for (int k = 0; k < sizes.size(); k++) {
      assertArrayEquals(bits(floats(sizes.get(k), k)), bits(store.read(5, k, sizes.get(k))), "partition " + k);
    }
    try (Stream<Path> files = Files.walk(dir)) {
      List<String> names = files.filter(Files::isRegularFile).map(p -> p.getFileName().toString()).sorted().toList();
      assertEquals(List.of("part-00000", "part-00001", "part-00002", "part-00003", "part-00004"), names,
          "one file per partition: no checksum side files, no attempt's temporary file left");
    }
  }

  @Test
  void theVectorWrittenHereIsTakenOnceAndNeverByAnotherRun(@TempDir Path dir) {
    HadoopPartitionStore run = store(dir).forRun();
    float[] v = floats(20_000, 3);
    int[] written = bits(v);
    run.write(2, 0, v);
    float[] taken = run.read(2, 0, v.length);
    assertSame(v, taken, "the next round on this executor takes the vector itself");
    java.util.Arrays.fill(taken, 1f); // the task updates its state in place
    float[] again = run.read(2, 0, v.length);
    assertNotSame(taken, again, "a retried attempt reads the file");
    assertArrayEquals(written, bits(again));

    float[] next = floats(20_000, 4);
    run.write(3, 0, next);
    float[] other = run.forRun().read(3, 0, 20_000);
    assertNotSame(next, other, "another run in the same directory reads the file");
    assertArrayEquals(bits(floats(20_000, 4)), bits(other));
    HadoopPartitionStore.forgetRecent();
  }

  @Test
  void aDamagedFileFailsWithItsPathAndTheReason(@TempDir Path dir) throws Exception {
    HadoopPartitionStore store = store(dir).forRun();
    store.write(1, 0, floats(1000, 9));
    HadoopPartitionStore.forgetRecent();
    Path file = dir.resolve("round-1").resolve("part-00000");
    byte[] bytes = Files.readAllBytes(file);
    assertEquals(4 + 4 * 1000 + 4, bytes.length, "length, floats, CRC-32C");
    byte[] flipped = bytes.clone();
    flipped[4 + 4 * 500] ^= 0x10;
    Files.write(file, flipped);
    UncheckedIOException corrupt = assertThrows(UncheckedIOException.class, () -> store.read(1, 0, 1000));
    assertTrue(corrupt.getMessage().contains("round-1/part-00000") && corrupt.getMessage().contains("checksum mismatch"),
        corrupt.getMessage());
    Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length - 4));
    UncheckedIOException truncated = assertThrows(UncheckedIOException.class, () -> store.read(1, 0, 1000));
    assertTrue(truncated.getMessage().contains("ends before its checksum"), truncated.getMessage());
    Files.write(file, bytes);
    assertArrayEquals(bits(floats(1000, 9)), bits(store.read(1, 0, 1000)));
  }
}
