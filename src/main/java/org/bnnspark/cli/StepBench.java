package org.bnnspark.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.bnnspark.nn.AbcLayer;
import org.bnnspark.nn.Conv2d;
import org.bnnspark.nn.Dense;
import org.bnnspark.nn.FloatGemm;
import org.bnnspark.nn.Layer;
import org.bnnspark.nn.Network;
import org.bnnspark.nn.NetworkSpec;
import org.bnnspark.train.ModelConfig;
import org.bnnspark.train.Optimizer;
import org.bnnspark.train.PartitionStep;
import org.bnnspark.train.RowBlock;

/**
 * {@code jobs/bench.sh step}: one partition's training step on one thread, no Spark — gather the
 * batch, binarized forward, STE backward, optimizer update and latent clip, exactly as a task runs
 * it ({@link PartitionStep}) — for each configuration given. Prints examples/s, the split between
 * forward, backward and optimizer, and the step's effective rate against {@link FloatGemm} run on
 * the same product shapes (the dense float-equivalent multiply-accumulates of forward and backward:
 * {@link Network#trainingMacsPerExample}). Last line per configuration:
 * {@code config=… examples_per_s=… gemm_share=… jdk=… cpu=…}; {@code gemm_share} is the time the
 * kernel needs for the step's products divided by the step's time.
 */
public final class StepBench {
  static final Args.Option[] OPTIONS = {
      new Args.Option("--config", "FILE", "a configuration; repeatable as a comma-separated list "
          + "(default conf/mnist-quickstart.json,conf/mnist-full.json,conf/mnist-conv.json)"),
      new Args.Option("--batch", "N", "rows per step (default: the configuration's batch over 2 partitions)"),
      new Args.Option("--seconds", "S", "measuring time per configuration (default 5, after as long a warm-up)"),
      new Args.Option("--help", null, "this help"),
  };

  private StepBench() {}

  public static void main(String[] argv) {
    JobMain.run(argv, OPTIONS, StepBench::run,
        "jobs/bench.sh step [options]", "One partition's training step on one thread, no Spark.");
  }

  static void run(Args a) throws Exception {
    String cpu = org.bnnspark.bits.Cpu.model();
    System.out.printf(Locale.ROOT, "cpu %s (%s); java %s; float kernel %s, binary kernel %s, sign packing %s, pooling %s%n", cpu,
        org.bnnspark.bits.Cpu.vectorFlags(), Runtime.version(), FloatGemm.best().name(), org.bnnspark.bits.BinaryGemm.best().name(),
        org.bnnspark.bits.BitPacking.packerName(), org.bnnspark.bits.WindowMax.best().name());
    double seconds = Double.parseDouble(a.get("--seconds", "5"));
    List<String> lines = new ArrayList<>();
    for (String file : a.get("--config", "conf/mnist-quickstart.json,conf/mnist-full.json,conf/mnist-conv.json").split(",")) {
      ModelConfig cfg = ModelConfig.parse(java.nio.file.Files.readString(java.nio.file.Path.of(file.trim())), file);
      int batch = a.positiveInt("--batch", Math.max(1, cfg.training().batchSize() / 2));
      lines.add(bench(cfg, batch, seconds, cpu));
    }
    lines.forEach(System.out::println);
  }

  static String bench(ModelConfig cfg, int batch, double seconds, String cpu) {
    Network net = new Network(cfg.network());
    RowBlock data = data(cfg.network(), batch * 20, 1);
    PartitionStep step = new PartitionStep(net);
    float[] params = net.initParams(cfg.training().seed());
    float[] state = net.initState();
    Optimizer opt = cfg.training().newOptimizer(net);
    int steps = 20;
    // warm-up for the measuring time, then chunks of half a second; the median chunk (by rate) is
    // reported, as a shared machine's neighbours slow some chunks down
    runChunk(step, net, params, state, opt, data, steps, seconds);
    List<long[]> chunks = new ArrayList<>();
    for (double left = seconds; left > 0; left -= 0.5) {
      chunks.add(runChunk(step, net, params, state, opt, data, steps, Math.min(0.5, left)));
    }
    chunks.sort(java.util.Comparator.comparingDouble(c -> (double) c[3] / c[4]));
    long[] times = chunks.get(chunks.size() / 2);
    long examples = times[4];
    double total = times[3] / 1e9;
    double rate = examples / total;
    double macs = (double) net.trainingMacsPerExample() * examples;
    double gemmSeconds = gemmSecondsPerExample(net, batch) * examples;
    double share = gemmSeconds / total;
    System.out.printf(Locale.ROOT, "%s (batch %d): %.0f examples/s; forward %.1f%%, backward %.1f%%, optimizer %.1f%%, "
            + "gather %.1f%%; %.1f G MAC/s dense-equivalent vs %s %.1f G MAC/s on the same shapes%n",
        cfg.name(), batch, rate, 100.0 * times[0] / times[3], 100.0 * times[1] / times[3], 100.0 * times[2] / times[3],
        100.0 * (times[3] - times[0] - times[1] - times[2]) / times[3], macs / total / 1e9, FloatGemm.best().name(),
        macs / gemmSeconds / 1e9);
    return String.format(Locale.ROOT, "config=%s examples_per_s=%.0f gemm_share=%.3f jdk=%d cpu=%s", cfg.name(), rate, share,
        Runtime.version().feature(), cpu.replace(' ', '_'));
  }

  /** Steps for {@code seconds}: nanoseconds of forward, backward, optimizer, total, and the examples. */
  private static long[] runChunk(PartitionStep step, Network net, float[] params, float[] state, Optimizer opt,
      RowBlock data, int steps, double seconds) {
    long[] times = new long[5];
    long end = System.nanoTime() + (long) (seconds * 1e9);
    for (int k = 0; System.nanoTime() < end; k++) {
      long t0 = System.nanoTime();
      int rows = step.gradient(params, state, List.of(data), 1, 0, k % steps, steps, 0);
      long t1 = System.nanoTime();
      opt.stepOnSums(params, step.grad(), rows, 1e-3f);
      net.clipLatent(params);
      long t2 = System.nanoTime();
      long[] pass = net.lastPassNanos();
      times[0] += pass[0];
      times[1] += pass[1];
      times[2] += t2 - t1;
      times[3] += t2 - t0;
      times[4] += rows;
    }
    return times;
  }

  /** 8-bit pixel levels (or uniform values for real inputs) and labels, as the readers produce them. */
  static RowBlock data(NetworkSpec spec, int rows, long seed) {
    SplittableRandom rng = new SplittableRandom(seed);
    int f = spec.inputSize();
    float[] x = new float[rows * f];
    int[] y = new int[rows];
    for (int r = 0; r < rows; r++) {
      for (int j = 0; j < f; j++) {
        x[r * f + j] = spec.scaleInput(spec.quantizedInput() ? rng.nextInt(256) * (spec.inputHigh() - spec.inputLow()) / 255.0
            + spec.inputLow() : rng.nextDouble() * 2 - 1);
      }
      y[r] = rng.nextInt(spec.classes());
    }
    return new RowBlock(rows, f, x, y);
  }

  /** Seconds per example that {@link FloatGemm#best()} needs for the products of one training step of {@code net}. */
  static double gemmSecondsPerExample(Network net, int batch) {
    double total = 0;
    boolean first = true;
    for (Layer l : net.leafLayers()) {
      int rows;
      int k;
      int cols;
      int times = 1;
      if (l instanceof Conv2d c) {
        rows = batch * c.geometry().positions();
        k = c.geometry().patchSize();
        cols = c.filters();
      } else if (l instanceof AbcLayer abc) {
        rows = batch * abc.geometry().positions();
        k = abc.geometry().patchSize();
        cols = abc.filters();
        times = abc.weightBases() * abc.activationBases();
      } else if (l instanceof Dense d) {
        rows = batch;
        k = d.inSize();
        cols = d.outSize();
      } else {
        continue;
      }
      total += times * gemmSeconds(rows, k, cols, !first);
      first = false;
    }
    return total / batch;
  }

  /** Forward (rows × k · k × cols), input gradient (rows × cols · cols × k) when asked, weight gradient (cols × rows · rows × k). */
  private static double gemmSeconds(int rows, int k, int cols, boolean inputGradient) {
    FloatGemm gemm = FloatGemm.best();
    float[] x = random(rows * k);
    float[] w = random(k * cols);
    float[] y = new float[rows * cols];
    float[] dx = new float[rows * k];
    float[] dw = new float[cols * k];
    Runnable all = () -> {
      gemm.gemm(rows, cols, k, x, 0, k, 1, w, 0, cols, false, y, 0, cols);
      if (inputGradient) {
        gemm.gemm(rows, k, cols, y, 0, cols, 1, w, 0, k, false, dx, 0, k);
      }
      gemm.gemm(cols, k, rows, y, 0, 1, cols, x, 0, k, true, dw, 0, k);
    };
    return Bench.time(all, 1.0);
  }

  private static float[] random(int n) {
    SplittableRandom rng = new SplittableRandom(n);
    float[] a = new float[n];
    for (int i = 0; i < n; i++) {
      a[i] = (float) (rng.nextDouble() * 2 - 1);
    }
    return a;
  }
}
