package org.bnnspark.spark;

import org.apache.spark.api.java.JavaSparkContext;

/** Test contexts configured as the jobs are, for tests in other packages. */
public final class SparkSessionsAccess {
  private SparkSessionsAccess() {}

  public static JavaSparkContext local(int threads) throws java.io.IOException {
    return SparkSessions.local(threads);
  }
}
