package org.bnnspark.cli;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.bnnspark.bits.BinaryGemm;
import org.bnnspark.bits.BitPacking;
import org.bnnspark.nn.Blas;
import org.bnnspark.nn.FloatGemm;

/**
 * {@code jobs/bench.sh kernels}: single-threaded kernel throughput on one shape, in one run —
 * binary GEMM (the kernel the selector picks, and the portable one) against float sgemm through
 * netlib's BLAS (and the engine's reproducible float kernel, for reference). Warm-up, then timed
 * repetitions; the median counts. With {@code --forks N} the measurement runs in N fresh JVMs and
 * the median over forks is reported. The last line is machine-readable:
 * {@code binary_gmacs=… sgemm_gmacs=… ratio=… jdk=…}.
 *
 * <p>The default shape, 256×4096 · (1024×4096)ᵀ, is one where netlib's sgemm runs at its best here;
 * at 4096 output columns its throughput collapses (~3 G MAC/s, cache and TLB misses), which would
 * flatter the ratio.
 */
public final class Bench {
  static final Args.Option[] OPTIONS = {
      new Args.Option("--m", "N", "rows of the left operand (default 256)"),
      new Args.Option("--n", "N", "rows of the right operand = output columns (default 1024)"),
      new Args.Option("--k", "N", "length of each dot product (default 4096)"),
      new Args.Option("--seconds", "S", "measuring time per kernel (default 3)"),
      new Args.Option("--forks", "N", "fresh JVMs to measure in (default 1)"),
      new Args.Option("--help", null, "this help"),
  };

  private Bench() {}

  public static void main(String[] argv) {
    JobMain.run(argv, OPTIONS, Bench::run,
        "jobs/bench.sh kernels [options]", "Kernel throughput, single-threaded.");
  }

  static void run(Args a) throws Exception {
    int forks = a.positiveInt("--forks", 1);
    if (forks > 1) {
      runForks(a.argv(), forks);
      return;
    }
    int m = a.positiveInt("--m", 256);
    int n = a.positiveInt("--n", 1024);
    int k = a.positiveInt("--k", 4096);
    double seconds = a.positiveInt("--seconds", 3);
    double macs = (double) m * n * k;
    System.out.printf(Locale.ROOT, "shape: %d×%d · (%d×%d)ᵀ, single thread, java %s (%s)%n", m, k, n, k,
        Runtime.version(), System.getProperty("java.vm.name"));

    SplittableRandom rng = new SplittableRandom(1);
    float[] af = new float[m * k];
    float[] bf = new float[n * k];
    for (int i = 0; i < af.length; i++) {
      af[i] = (float) (rng.nextDouble() * 2 - 1);
    }
    for (int i = 0; i < bf.length; i++) {
      bf[i] = (float) (rng.nextDouble() * 2 - 1);
    }
    long[] ab = BitPacking.packRows(af, m, k);
    long[] bb = BitPacking.packRows(bf, n, k);
    int words = BitPacking.words(k);
    int[] counts = new int[m * n];
    float[] c = new float[m * n];

    BinaryGemm best = BinaryGemm.best();
    double binary = time(() -> best.gemm(ab, 0, m, bb, 0, n, words, k, counts, 0, n), seconds) ;
    report(best.name(), macs / binary / 1e9, "G binary-MAC/s");
    if (best != BinaryGemm.portable()) {
      double portable = time(() -> BinaryGemm.portable().gemm(ab, 0, m, bb, 0, n, words, k, counts, 0, n), seconds);
      report(BinaryGemm.portable().name(), macs / portable / 1e9, "G binary-MAC/s");
    }
    double sgemm = time(() -> Blas.abT(af, m, k, bf, n, c), seconds);
    report("netlib " + Blas.implementation() + " sgemm", macs / sgemm / 1e9, "G MAC/s");
    FloatGemm engine = FloatGemm.best();
    float[] bt = new float[k * n];
    for (int p = 0; p < k; p++) {
      for (int j = 0; j < n; j++) {
        bt[p * n + j] = bf[j * k + p];
      }
    }
    double own = time(() -> engine.gemm(m, n, k, af, 0, k, 1, bt, 0, n, false, c, 0, n), seconds);
    report(engine.name() + " (engine, reproducible)", macs / own / 1e9, "G MAC/s");
    double bg = macs / binary / 1e9;
    double sg = macs / sgemm / 1e9;
    System.out.printf(Locale.ROOT, "binary_gmacs=%.1f sgemm_gmacs=%.1f ratio=%.2f jdk=%d%n", bg, sg, bg / sg,
        Runtime.version().feature());
  }

  private static void report(String name, double rate, String unit) {
    System.out.printf(Locale.ROOT, "  %-44s %9.1f %s%n", name, rate, unit);
  }

  /** Median seconds per call after a warm-up of about a third of the budget. */
  static double time(Runnable kernel, double seconds) {
    long warmEnd = System.nanoTime() + (long) (seconds / 3 * 1e9);
    while (System.nanoTime() < warmEnd) {
      kernel.run();
    }
    List<Double> samples = new ArrayList<>();
    long end = System.nanoTime() + (long) (seconds * 1e9);
    while (System.nanoTime() < end || samples.size() < 5) {
      long t = System.nanoTime();
      kernel.run();
      samples.add((System.nanoTime() - t) / 1e9);
    }
    double[] s = samples.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    return s[s.length / 2];
  }

  private static void runForks(String[] argv, int forks) throws Exception {
    List<String> base = new ArrayList<>();
    base.add(ProcessHandle.current().info().command().orElse("java"));
    base.addAll(java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments());
    base.add("-cp");
    base.add(System.getProperty("java.class.path"));
    base.add(Bench.class.getName());
    for (int i = 0; i < argv.length; i++) {
      if (argv[i].equals("--forks")) {
        i++;
      } else {
        base.add(argv[i]);
      }
    }
    double[] binary = new double[forks];
    double[] sgemm = new double[forks];
    String last = "";
    for (int f = 0; f < forks; f++) {
      System.out.println("fork " + (f + 1) + "/" + forks);
      Process p = new ProcessBuilder(base).redirectErrorStream(true).start();
      for (String line : new String(p.getInputStream().readAllBytes()).lines().toList()) {
        if (line.startsWith("binary_gmacs=")) {
          last = line;
          binary[f] = Double.parseDouble(line.split("[= ]")[1]);
          sgemm[f] = Double.parseDouble(line.split("[= ]")[3]);
        } else {
          System.out.println(line);
        }
      }
      if (p.waitFor() != 0) {
        throw new IllegalStateException("benchmark fork " + (f + 1) + " failed");
      }
    }
    Arrays.sort(binary);
    Arrays.sort(sgemm);
    double bg = binary[forks / 2];
    double sg = sgemm[forks / 2];
    System.out.printf(Locale.ROOT, "median of %d forks:%nbinary_gmacs=%.1f sgemm_gmacs=%.1f ratio=%.2f jdk=%d%n", forks, bg, sg,
        bg / sg, Runtime.version().feature());
  }
}
