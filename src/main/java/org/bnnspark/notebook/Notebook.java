package org.bnnspark.notebook;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/**
 * What a notebook needs before it can call the project's API: the project directory, a local
 * SparkSession with the settings every job runs with, and the MNIST files.
 */
public final class Notebook {
  private Notebook() {}

  /**
   * The project directory (the one holding {@code conf/spark-defaults.conf}): the working directory
   * or one of its parents — Jupyter starts kernels in {@code notebooks/}, the runner in the root.
   */
  public static Path home() {
    for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
      if (Files.isRegularFile(p.resolve("conf/spark-defaults.conf")) && Files.isDirectory(p.resolve("jobs"))) {
        return p;
      }
    }
    throw new IllegalStateException("not inside a bnn-spark checkout: no conf/spark-defaults.conf above " + Path.of("").toAbsolutePath());
  }

  /**
   * A local SparkSession with {@code conf/spark-defaults.conf} (Kryo with required registration,
   * the Vector API module…) and {@code conf/log4j2.properties} (Spark's INFO noise off).
   */
  public static SparkSession spark(String master) {
    Path home = home();
    if (System.getProperty("log4j2.configurationFile") == null) {
      org.apache.logging.log4j.core.config.Configurator.reconfigure(home.resolve("conf/log4j2.properties").toUri());
    }
    System.setProperty("java.awt.headless", "true");
    SparkConf conf = new SparkConf().setMaster(master).setAppName("bnn-spark notebook");
    Properties defaults = new Properties();
    try (InputStream in = Files.newInputStream(home.resolve("conf/spark-defaults.conf"))) {
      defaults.load(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    defaults.stringPropertyNames().forEach(k -> conf.set(k, defaults.getProperty(k).trim()));
    return SparkSession.builder().config(conf).getOrCreate();
  }

  /** The MNIST directory, fetched once by {@code jobs/fetch-mnist.sh} into its cache. */
  public static String mnist() {
    try {
      Process p = new ProcessBuilder("bash", home().resolve("jobs/fetch-mnist.sh").toString())
          .redirectError(ProcessBuilder.Redirect.INHERIT).start();
      String dir = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).trim();
      if (p.waitFor() != 0) {
        throw new IllegalStateException("jobs/fetch-mnist.sh failed (exit " + p.exitValue() + ")");
      }
      return dir;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
