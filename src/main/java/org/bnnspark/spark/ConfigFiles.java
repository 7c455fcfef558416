package org.bnnspark.spark;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * Finds a job's configuration file wherever the driver runs. A driver in cluster deploy mode starts
 * in a scratch directory on a worker (or in a YARN container), where the checkout's {@code conf/}
 * does not exist; so a {@code --config} argument is looked up, in order, as
 * <ol>
 *   <li>a Hadoop URI when it has a scheme ({@code hdfs://…/x.json}, {@code file:/…});</li>
 *   <li>a local file, relative to the working directory (where YARN puts the files of
 *       spark-submit's {@code --files});</li>
 *   <li>a file shipped with {@code --files} under that name ({@code SparkFiles}: where the driver
 *       of a standalone cluster finds them);</li>
 *   <li>a built-in configuration: {@code conf/NAME.json}, {@code NAME.json} or {@code NAME} for a
 *       file of the project's {@code conf/}, which the build packs into the jar as
 *       {@code bnn-spark/conf/NAME.json};</li>
 *   <li>a path on the default Hadoop file system (e.g. relative to the user's HDFS home).</li>
 * </ol>
 */
public final class ConfigFiles {
  /** Where the build puts {@code conf/*.json} inside the jar. */
  static final String RESOURCE_DIR = "bnn-spark/conf/";

  /** A configuration's text and where it was found (for the job's log and report). */
  public record Found(String text, String source) {}

  private ConfigFiles() {}

  public static Found read(String name, Configuration conf) throws IOException {
    Path hadoopPath = new Path(name);
    if (hadoopPath.toUri().getScheme() == null) {
      java.nio.file.Path local = java.nio.file.Path.of(name);
      if (Files.isRegularFile(local)) {
        return new Found(Files.readString(local, StandardCharsets.UTF_8), name);
      }
      java.nio.file.Path shipped = shippedFile(local.getFileName().toString());
      if (shipped != null && local.getNameCount() == 1) {
        return new Found(Files.readString(shipped, StandardCharsets.UTF_8), name + " (shipped with --files)");
      }
      String builtIn = builtInName(name);
      if (builtIn != null) {
        try (InputStream in = ConfigFiles.class.getClassLoader().getResourceAsStream(RESOURCE_DIR + builtIn + ".json")) {
          if (in != null) {
            return new Found(new String(in.readAllBytes(), StandardCharsets.UTF_8), name + " (built in)");
          }
        }
      }
    }
    if (!hadoopPath.getFileSystem(conf).exists(hadoopPath)) {
      throw new DataFormatException(name + ": no such configuration file (a path, a Hadoop URI, or a built-in one: "
          + String.join(", ", builtIns()) + ")");
    }
    return new Found(OutputDir.readTextFile(name, conf), name);
  }

  /** A file of {@code --files} by name, or null (also when no Spark context runs). */
  private static java.nio.file.Path shippedFile(String fileName) {
    if (org.apache.spark.SparkEnv.get() == null) {
      return null;
    }
    java.nio.file.Path p = java.nio.file.Path.of(org.apache.spark.SparkFiles.get(fileName));
    return Files.isRegularFile(p) ? p : null;
  }

  /** {@code NAME} for {@code conf/NAME.json}, {@code NAME.json} or {@code NAME}; else null. */
  static String builtInName(String arg) {
    String s = arg.startsWith("conf/") ? arg.substring(5) : arg;
    if (s.endsWith(".json")) {
      s = s.substring(0, s.length() - 5);
    }
    return s.matches("[A-Za-z0-9_.-]+") ? s : null;
  }

  /** The names of the built-in configurations (read once from the jar or class directory holding this class). */
  public static List<String> builtIns() {
    return BuiltIns.NAMES;
  }

  /** Lazily listed, once per JVM. */
  private static final class BuiltIns {
    static final List<String> NAMES = list();
  }

  private static List<String> list() {
    java.util.TreeSet<String> names = new java.util.TreeSet<>();
    try {
      java.net.URL where = ConfigFiles.class.getProtectionDomain().getCodeSource().getLocation();
      java.nio.file.Path root = java.nio.file.Path.of(where.toURI());
      if (Files.isDirectory(root)) {
        try (var files = Files.list(root.resolve(RESOURCE_DIR))) {
          files.forEach(f -> names.add(f.getFileName().toString()));
        }
      } else {
        try (java.util.jar.JarFile jar = new java.util.jar.JarFile(root.toFile())) {
          jar.stream().map(java.util.jar.JarEntry::getName).filter(n -> n.startsWith(RESOURCE_DIR))
              .forEach(n -> names.add(n.substring(RESOURCE_DIR.length())));
        }
      }
    } catch (IOException | java.net.URISyntaxException | RuntimeException e) {
      return List.of();
    }
    return names.stream().filter(n -> n.endsWith(".json")).map(n -> n.substring(0, n.length() - 5)).toList();
  }
}
