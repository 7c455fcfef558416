package org.bnnspark.cli;

import java.io.IOException;
import org.apache.hadoop.conf.Configuration;
import org.bnnspark.inference.ModelSummary;
import org.bnnspark.spark.ModelFiles;

/** {@code jobs/inspect.sh MODEL}: a per-layer summary of the packed model (no Spark needed). */
public final class Inspect {
  static final Args.Option[] OPTIONS = {ScoringJobs.MODEL, ScoringJobs.HELP};

  private Inspect() {}

  public static void main(String[] argv) {
    JobMain.run(argv, OPTIONS, Inspect::run,
        "jobs/inspect.sh MODEL", "Prints a packed model's stages: parameters by precision, memory packed vs "
          + "float32, multiply-accumulates by precision, compression ratio.");
  }

  static void run(Args a) throws IOException {
    System.out.print(ModelSummary.describe(ModelFiles.load(a.required("--model"), "packed", new Configuration()).packedModel()));
  }
}
