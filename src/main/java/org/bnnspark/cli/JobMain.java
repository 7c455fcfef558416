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

  public static void run(Body body) {
    int code = 0;
    try {
      body.run();
    } catch (UsageException e) {
      System.err.println("error: " + e.getMessage());
      code = 2;
    } catch (Throwable e) {
      System.err.println("error: " + explain(e));
      if (Boolean.getBoolean("bnn.debug")) {
        e.printStackTrace();
      }
      code = 1;
    }
    System.out.flush();
    System.exit(code);
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
    return org.apache.spark.sql.SparkSession.builder().config(conf).getOrCreate();
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
