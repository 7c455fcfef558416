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
    JobMain.run(() -> run(argv));
  }

  static void run(String[] argv) throws IOException {
    Args a = Args.parse(argv, OPTIONS);
    if (a.has("--help")) {
      System.out.print(Args.help("jobs/inspect.sh MODEL", "Prints a packed model's stages: parameters by precision, memory packed vs "
          + "float32, multiply-accumulates by precision, compression ratio.", OPTIONS));
      return;
    }
    System.out.print(ModelSummary.describe(ModelFiles.load(a.required("--model"), "packed", new Configuration()).packedModel()));
  }
}
