package org.bnnspark.cli;

import java.io.IOException;
import java.util.Locale;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.bnnspark.inference.PackedModel;
import org.bnnspark.inference.PackedModelFile;
import org.bnnspark.nn.Network;
import org.bnnspark.spark.OutputDir;
import org.bnnspark.train.ModelConfig;
import org.bnnspark.train.NetworkFile;

/**
 * {@code jobs/bench.sh load}'s preparation: a model on 64 features (a BNN 64-256-256-10 with
 * seeded random weights: throughput and memory do not depend on their values) and N generated rows
 * as Parquet ({@code id}, {@code features: array<float>} of 8-bit values), both through the Hadoop
 * FileSystem API.
 */
public final class LoadData {
  static final String CONFIG = """
      {"name": "load-64", "network": {"input_size": 64, "input_range": [0, 255], "classes": 10, "layers": [
        {"type": "binary_dense", "units": 256}, {"type": "batch_norm"}, {"type": "sign"},
        {"type": "binary_dense", "units": 256}, {"type": "batch_norm"}, {"type": "sign"},
        {"type": "binary_dense", "units": 10}, {"type": "batch_norm"}]}}
      """;
  static final Args.Option[] OPTIONS = {
      new Args.Option("--rows", "N", "rows to generate"),
      new Args.Option("--model", "DIR", "where the model goes"),
      new Args.Option("--data", "DIR", "where the Parquet rows go"),
      new Args.Option("--help", null, "this help"),
  };

  private LoadData() {}

  public static void main(String[] argv) {
    JobMain.run(argv, OPTIONS, LoadData::run,
        "LoadData --rows N --model DIR --data DIR", "Generates the load benchmark's model and rows.");
  }

  static void run(Args a) throws IOException {
    long rows = a.longValue("--rows", 10_000_000L);
    SparkSession spark = JobMain.sparkSession(a, "bnn-spark load data", "local[*]");
    try {
      ModelConfig config = ModelConfig.parse(CONFIG, "load benchmark configuration");
      Network net = new Network(config.network());
      float[] params = net.initParams(7);
      float[] state = net.initState();
      OutputDir out = new OutputDir(a.required("--model"), spark.sparkContext().hadoopConfiguration());
      out.write(OutputDir.MODEL, o -> NetworkFile.writeModel(o, config, params, state));
      PackedModel packed = PackedModel.compile(net, params, state, config.name(), config.text());
      out.write(OutputDir.PACKED_MODEL, o -> PackedModelFile.write(o, packed));
      Column[] values = new Column[64];
      for (int i = 0; i < 64; i++) {
        values[i] = functions.floor(functions.rand(i).multiply(256)).cast("float");
      }
      long t0 = System.nanoTime();
      spark.range(rows).select(functions.col("id"), functions.array(values).as("features")).write().mode("overwrite")
          .parquet(a.required("--data"));
      System.out.printf(Locale.ROOT, "wrote a 64-feature model to %s and %d rows to %s in %.0f s%n", a.required("--model"), rows,
          a.required("--data"), (System.nanoTime() - t0) / 1e9);
    } finally {
      spark.stop();
    }
  }
}
