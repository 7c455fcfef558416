package org.bnnspark.spark;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;

/** Local Spark contexts configured exactly as the jobs are: conf/spark-defaults.conf (Kryo, registration required). */
final class SparkSessions {
  private SparkSessions() {}

  static JavaSparkContext local(int threads) throws IOException {
    SparkConf conf = new SparkConf().setMaster("local[" + threads + "]").setAppName("bnn-spark test")
        .set("spark.driver.host", "127.0.0.1").set("spark.driver.bindAddress", "127.0.0.1");
    for (String line : Files.readAllLines(Path.of("conf/spark-defaults.conf"))) {
      line = line.strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String[] kv = line.split("\\s+", 2);
      conf.set(kv[0], kv[1]);
    }
    // the jobs keep Spark's UI on; the tests have no one to look at it
    return new JavaSparkContext(conf.set("spark.ui.enabled", "false"));
  }
}
