package org.bnnspark.cli;

import java.util.Locale;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.ml.classification.MultilayerPerceptronClassificationModel;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.bnnspark.bits.BinaryGemm;
import org.bnnspark.bits.BitPacking;
import org.bnnspark.inference.ModelSummary;
import org.bnnspark.inference.PackedModel;
import org.bnnspark.inference.PackedStage;
import org.bnnspark.inference.StageProduct;
import org.bnnspark.nn.Blas;
import org.bnnspark.spark.ModelFiles;
import org.bnnspark.spark.ScoringInput;
import org.bnnspark.spark.ScoringModel;
import org.bnnspark.spark.ScoringThroughput;

/**
 * {@code jobs/bench.sh scoring}: scoring throughput on one SparkContext and one cached DataFrame (the
 * MNIST test set replicated), three ways: our packed XNOR model, the same trained network in float
 * (our float path, batched), and Spark MLlib's {@code MultilayerPerceptronClassificationModel} at the
 * same layer sizes. Also one hidden layer alone (packed vs the BLAS) and the model sizes.
 */
public final class ScoringBench {
  static final Args.Option[] OPTIONS = {
      new Args.Option("--data", "DIR", "MNIST IDX directory (its t10k-* files are replicated)"),
      new Args.Option("--model", "PATH", "training output directory (default out/quickstart)"),
      new Args.Option("--rows", "N", "rows to score (default 1000000)"),
      new Args.Option("--partitions", "N", "partitions of the cached data (default 8)"),
      new Args.Option("--skip-mllib", null, "do not run MLlib"),
      new Args.Option("--help", null, "this help"),
  };

  private ScoringBench() {}

  public static void main(String[] argv) {
    JobMain.run(argv, OPTIONS, ScoringBench::run,
        "jobs/bench.sh scoring --data DIR [options]",
          "Scoring rows/s: packed XNOR vs our float path vs Spark MLlib MLP, same cached data, same Spark.");
  }

  static void run(Args a) throws Exception {
    String data = a.required("--data");
    String modelPath = a.get("--model", "out/quickstart");
    int rows = a.positiveInt("--rows", 1_000_000);
    SparkSession spark = JobMain.sparkSession(a, "bnn-spark scoring bench", "local[2]");
    try {
      JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
      ScoringModel packed = ModelFiles.load(modelPath, "packed", jsc.hadoopConfiguration());
      ScoringModel floats = ModelFiles.load(modelPath, "float", jsc.hadoopConfiguration());
      PackedModel pm = packed.packedModel();
      System.out.printf(Locale.ROOT, "bnn-spark scoring bench: model %s, %s, java %s, cpu %s (%s)%n", modelPath, jsc.master(),
          Runtime.version().feature(), org.bnnspark.bits.Cpu.model(), org.bnnspark.bits.Cpu.vectorFlags());
      System.out.printf(Locale.ROOT, "kernels: binary %s, levels %s, window max %s, sign packing %s, float %s, float keys %s%n",
          BinaryGemm.best().name(), org.bnnspark.bits.LevelDots.best().name(), org.bnnspark.bits.WindowMax.best().name(),
          BitPacking.packerName(), org.bnnspark.nn.FloatGemm.best().name(), org.bnnspark.bits.FloatOrder.kernelName());
      profile(pm, data, packed.inputSpec(), jsc.hadoopConfiguration());

      layerBench(pm);

      ScoringInput.Input test = ScoringInput.read(spark, "idx", data, packed.inputSpec(),
          new ScoringInput.Options("features", "label", null, false, false, false));
      Dataset<Row> base = test.rows();
      Dataset<Row> big = ScoringThroughput.replicate(spark, base, rows, a.positiveInt("--partitions", 8));
      long n = big.count();
      System.out.printf(Locale.ROOT, "cached %d rows (copies of %s's test set)%n", n, data);

      double packedRate = ScoringThroughput.rowsPerSecond(jsc, big, base, packed, 2, true);
      double floatRate = ScoringThroughput.rowsPerSecond(jsc, big, base, floats, 2, true);
      double mllibRate = Double.NaN;
      // MLlib's MultilayerPerceptronClassifier has dense layers only
      boolean mlp = pm.stages().stream().allMatch(st -> st.conv() == null
          && (st.product() instanceof StageProduct.None || st.product() instanceof StageProduct.Binary
              || st.product() instanceof StageProduct.Real));
      if (!mlp) {
        System.out.println("mllib: no MLlib model has this network's layers (convolutions, ABC-Net bases or residual blocks); skipped");
      } else if (!a.has("--skip-mllib")) {
        mllibRate = mllib(big, base, pm, n);
      }
      ModelSummary.Totals t = ModelSummary.totals(pm);
      long mllibBytes = mlp ? 8L * mllibWeights(pm) : 0;
      System.out.printf(Locale.ROOT, "model size: packed %d B, float32 %d B (%.1fx)%s%n", t.packedBytes(), t.float32Bytes(),
          t.compression(), mlp ? String.format(Locale.ROOT, ", MLlib doubles %d B (%.1fx)", mllibBytes, (double) mllibBytes / t.packedBytes()) : "");
      System.out.printf(Locale.ROOT, "packed_rows_per_s=%.0f float_rows_per_s=%.0f mllib_rows_per_s=%.0f "
              + "packed_vs_float=%.1f packed_vs_mllib=%.1f size_ratio=%.1f jdk=%d%n",
          packedRate, floatRate, mllibRate, packedRate / floatRate, packedRate / mllibRate, t.compression(),
          Runtime.version().feature());
    } finally {
      spark.stop();
    }
  }

  private static long mllibWeights(PackedModel pm) {
    long w = 0;
    for (PackedStage st : pm.stages()) {
      if (!(st.product() instanceof StageProduct.None)) {
        w += (long) st.in() * st.out() + st.out();
      }
    }
    return w;
  }

  /** MLlib's MLP at the packed model's layer sizes (random weights: throughput does not depend on them). */
  private static double mllib(Dataset<Row> big, Dataset<Row> warm, PackedModel pm, long n) {
    int[] layers = java.util.stream.IntStream.concat(java.util.stream.IntStream.of(pm.inputSize()),
        pm.stages().stream().filter(s -> !(s.product() instanceof StageProduct.None)).mapToInt(PackedStage::out)).toArray();
    java.util.SplittableRandom rng = new java.util.SplittableRandom(1);
    double[] weights = new double[(int) mllibWeights(pm)];
    for (int w = 0; w < weights.length; w++) {
      weights[w] = rng.nextGaussian() * 0.05;
    }
    MultilayerPerceptronClassificationModel m = new MultilayerPerceptronClassificationModel("mlp", Vectors.dense(weights));
    m.set(m.layers(), layers);
    m.transform(warm).agg(functions.sum("prediction")).first();
    long t0 = System.nanoTime();
    Row sum = m.transform(big).agg(functions.sum("prediction")).first();
    double s = (System.nanoTime() - t0) / 1e9;
    System.out.printf(Locale.ROOT, "%-8s %10d rows in %7.1f s = %9.0f rows/s (layers %s, checksum %s)%n", "mllib", n, s, n / s,
        java.util.Arrays.toString(layers), sum.get(0));
    return n / s;
  }

  /**
   * Where one thread's time goes, stage by stage: the packed scorer over MNIST's test images in
   * batches of 512, timed per operation after a warm-up pass.
   */
  private static void profile(PackedModel pm, String data, org.bnnspark.nn.NetworkSpec spec, org.apache.hadoop.conf.Configuration conf) {
    org.bnnspark.spark.IdxFile file = org.bnnspark.spark.IdxFile.open(data + "/t10k-images-idx3-ubyte", 3, conf);
    if (pm.inputSize() != file.recordBytes()) {
      return;
    }
    int rows = file.count();
    byte[] images = new byte[rows * pm.inputSize()];
    file.read(0, rows, images, conf);
    float[] x = new float[images.length];
    for (int i = 0; i < x.length; i++) {
      x[i] = spec.scaleInput(images[i] & 0xff);
    }
    int batch = 512;
    float[] logits = new float[batch * pm.classes()];
    org.bnnspark.inference.PackedScorer scorer = pm.newScorer();
    float[] chunk = new float[batch * pm.inputSize()];
    for (int pass = 0; pass < 2; pass++) {
      long t0 = System.nanoTime();
      int scored = 0;
      for (int r = 0; r + batch <= rows; r += batch, scored += batch) {
        System.arraycopy(x, r * pm.inputSize(), chunk, 0, chunk.length);
        if (pass == 1) {
          scorer.timedLogits(chunk, batch, logits);
        } else {
          scorer.logits(chunk, batch, logits);
        }
      }
      if (pass == 1) {
        System.out.printf(Locale.ROOT, "one thread, no Spark: %.0f rows/s; per stage:%n%s", scored / ((System.nanoTime() - t0) / 1e9),
            scorer.stageProfile());
      }
    }
  }

  /** One hidden layer at batch 256, single thread: packed (XNOR-popcount + thresholds) vs float sgemm through the BLAS. */
  private static void layerBench(PackedModel pm) {
    PackedStage hidden = null;
    for (int s = 0; s < pm.stages().size(); s++) {
      PackedStage st = pm.stages().get(s);
      // a dense hidden layer (a convolution's weights are per patch, not per input)
      if (pm.stageInput(s) == PackedModel.Representation.BITS && st.folded() && st.conv() == null && st.pool() == null) {
        hidden = st;
        break;
      }
    }
    if (hidden == null) {
      return;
    }
    int m = 256;
    int in = hidden.in();
    int out = hidden.out();
    java.util.SplittableRandom rng = new java.util.SplittableRandom(3);
    float[] x = new float[m * in];
    for (int v = 0; v < x.length; v++) {
      x[v] = rng.nextBoolean() ? 1f : -1f;
    }
    long[] xb = BitPacking.packRows(x, m, in);
    long[] yb = new long[m * BitPacking.words(out)];
    int[] scratch = new int[m * out];
    long[] rows = ((StageProduct.Binary) hidden.product()).rows(); // folded: binary weights
    org.bnnspark.bits.SignThresholds thresholds = new org.bnnspark.bits.SignThresholds(hidden.threshold(), hidden.flip());
    double packed = Bench.time(() -> BinaryGemm.best().gemmThresholded(xb, 0, m, rows, 0, out,
        BitPacking.words(in), in, thresholds, yb, 0, scratch), 2);
    float[] w = new float[out * in];
    for (int v = 0; v < w.length; v++) {
      w[v] = rng.nextBoolean() ? 1f : -1f;
    }
    float[] y = new float[m * out];
    double sgemm = Bench.time(() -> Blas.abT(x, m, in, w, out, y), 2);
    System.out.printf(Locale.ROOT, "hidden layer %d→%d, batch %d, 1 thread: packed %.0f rows/s, float sgemm (%s) %.0f rows/s, %.1fx%n",
        in, out, m, m / packed, Blas.implementation(), m / sgemm, sgemm / packed);
  }
}
