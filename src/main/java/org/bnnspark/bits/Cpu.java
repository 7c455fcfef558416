package org.bnnspark.bits;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** What the benchmarks print about the machine: the CPU model and its vector extensions (Linux). */
public final class Cpu {
  private Cpu() {}

  /** The first {@code model name} of {@code /proc/cpuinfo}, or the JVM's architecture name elsewhere. */
  public static String model() {
    return field("model name").orElse(System.getProperty("os.arch"));
  }

  /** The vector extensions that the kernels care about, e.g. {@code avx2 avx512f avx512_vpopcntdq}. */
  public static String vectorFlags() {
    String flags = " " + field("flags").orElse("") + " ";
    StringBuilder sb = new StringBuilder();
    for (String f : List.of("avx2", "avx512f", "avx512_vpopcntdq", "avx512_vnni", "amx_tile")) {
      if (flags.contains(" " + f + " ")) {
        sb.append(sb.length() == 0 ? "" : " ").append(f);
      }
    }
    return sb.length() == 0 ? "none" : sb.toString();
  }

  private static java.util.Optional<String> field(String name) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith(name)) {
          int colon = line.indexOf(':');
          return java.util.Optional.of(line.substring(colon + 1).trim());
        }
      }
    } catch (java.io.IOException | RuntimeException e) {
      // not Linux: the caller prints the architecture
    }
    return java.util.Optional.empty();
  }
}
