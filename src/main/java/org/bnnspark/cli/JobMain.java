package org.bnnspark.cli;

import org.bnnspark.nn.ConfigException;
import org.bnnspark.spark.DataFormatException;

/**
 * The common frame of every job's {@code main}: run it, and turn a failure into one line on stderr
 * and a non-zero exit code (2 for command-line mistakes, 1 for everything else). Errors raised
 * inside Spark tasks arrive wrapped; the line shows the innermost message of ours.
 */
public final class JobMain {
  private JobMain() {}

  /** The body of a job. */
  public interface Body {
    void run() throws Exception;
  }

  /** A job on its parsed command line. */
  public interface Job {
    void run(Args a) throws Exception;
  }

  /**
   * Every job's {@code main}: parses {@code argv} against {@code options}, prints the help
   * ({@code usage} line, {@code summary}, the options) for {@code --help}, else runs the job — inside
   * {@link #run(Body)}'s frame.
   */
  public static void run(String[] argv, Args.Option[] options, Job job, String usage, String summary) {
    run(() -> {
      Args a = Args.parse(argv, options);
      if (a.has("--help")) {
        System.out.print(Args.help(usage, summary, options));
        return;
      }
      job.run(a);
    });
  }

  public static void run(Body body) {
    int code = 0;
    String line = null;
    quietSparkDefaults();
    try {
      body.run();
    } catch (UsageException e) {
      line = "error: " + e.getMessage();
      code = 2;
    } catch (Throwable e) {
      line = "error: " + explain(e);
      if (Boolean.getBoolean("bnn.debug")) {
        e.printStackTrace();
      }
      code = 1;
    }
    if (line != null) {
      System.err.println(line);
    }
    System.out.flush();
    if (clusterDriver()) {
      // the driver runs inside Spark's launcher for it (YARN's ApplicationMaster, a standalone
      // worker's DriverWrapper): it must see main return, or throw, to report the final status
      if (code != 0) {
        throw new JobFailedException(line);
      }
      return;
    }
    System.exit(code);
  }

  /**
   * Whether this JVM is a driver that spark-submit started in cluster deploy mode (the standalone
   * worker's DriverWrapper and YARN's ApplicationMaster set Spark's settings as system properties).
   */
  static boolean clusterDriver() {
    return "cluster".equals(System.getProperty("spark.submit.deployMode"));
  }

  /** A failed job in a cluster-mode driver: its message is the one line already printed. */
  static final class JobFailedException extends RuntimeException {
    JobFailedException(String line) {
      super(line, null, false, false);
    }
  }

  /**
   * Spark's built-in logging profile (what a plain spark-submit gets when the site has no
   * log4j2.properties) prints every task at INFO: some 15,000 lines per epoch. When that profile,
   * or none, is in effect, the job switches to the one the build packs into the jar (our messages
   * at INFO, Spark's and Hadoop's at WARN). A site's own log4j2 configuration, or
   * {@code -Dlog4j2.configurationFile}, is left alone.
   */
  static void quietSparkDefaults() {
    try {
      if (System.getProperty("log4j2.configurationFile") != null) {
        return;
      }
      // the context Spark's classes log to (ours may sit in spark-submit's child class loader)
      var context = (org.apache.logging.log4j.core.LoggerContext) org.apache.logging.log4j.LogManager.getContext(
          org.apache.spark.SparkContext.class.getClassLoader(), false);
      var current = context.getConfiguration();
      String location = current.getConfigurationSource() == null ? null : current.getConfigurationSource().getLocation();
      boolean sparkDefault = current instanceof org.apache.logging.log4j.core.config.DefaultConfiguration
          || (location != null && location.endsWith("org/apache/spark/log4j2-defaults.properties"));
      java.net.URL ours = JobMain.class.getClassLoader().getResource("bnn-spark/conf/log4j2.properties");
      if (sparkDefault && ours != null) {
        context.setConfigLocation(ours.toURI());
      }
    } catch (RuntimeException | java.net.URISyntaxException | LinkageError e) {
      // another logging backend: keep it as it is
    }
  }

  /**
   * Writes a side output (a report, an image, a summary): a failure of it, whatever it is (an I/O
   * error, a class missing from a hand-made classpath, a headless JVM without fonts), is one
   * warning line on stderr and never ends the job, so it never costs the model or a checkpoint.
   *
   * @return whether it was written
   */
  static boolean sideOutput(String what, Body write) {
    try {
      write.run();
      return true;
    } catch (VirtualMachineError e) {
      throw e;
    } catch (Throwable e) {
      System.err.println("warning: " + what + " not written: " + explain(e));
      if (Boolean.getBoolean("bnn.debug")) {
        e.printStackTrace();
      }
      return false;
    }
  }

  /**
   * The job's Spark session: {@code --master} when given, else what spark-submit set
   * ({@code spark.master}), else {@code fallbackMaster}.
   */
  static org.apache.spark.sql.SparkSession sparkSession(Args a, String app, String fallbackMaster) {
    org.apache.spark.SparkConf conf = new org.apache.spark.SparkConf().setAppName(app);
    if (a.has("--master")) {
      conf.setMaster(a.get("--master", null));
    } else if (!conf.contains("spark.master")) {
      conf.setMaster(fallbackMaster);
    }
    org.apache.spark.sql.SparkSession spark = org.apache.spark.sql.SparkSession.builder().config(conf).getOrCreate();
    quietSparkDefaults(); // Spark may load its profile only now, when the context starts
    return spark;
  }

  /**
   * In cluster deploy mode the driver starts in a scratch directory of a worker or a YARN
   * container, so a relative output path would land there and be lost with it: it must be absolute
   * or a Hadoop URI. A one-line usage error instead of a surprise; nothing to check in client mode.
   */
  static void requireAbsoluteOutput(String option, String path) {
    if (path == null || !clusterDriver()) {
      return;
    }
    org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(path);
    if (p.toUri().getScheme() == null && !p.isAbsolute()) {
      throw new UsageException(option + " '" + path + "' is relative: in cluster deploy mode the driver runs in a scratch "
          + "directory on the cluster; give an absolute path on storage every node shares, or a Hadoop URI (hdfs://…)");
    }
  }

  /** The most useful one-line message in a cause chain. */
  static String explain(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof DataFormatException || t instanceof ConfigException || t instanceof UsageException
          || t instanceof ArithmeticException) {
        return t.getMessage();
      }
    }
    Throwable root = e;
    while (root.getCause() != null) {
      root = root.getCause();
    }
    String m = root.getMessage();
    return root.getClass().getSimpleName() + (m == null ? "" : ": " + m.lines().findFirst().orElse(""));
  }
}
