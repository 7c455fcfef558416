package org.bnnspark.cli;

import java.util.Locale;
import org.bnnspark.train.SyncSpec;

/**
 * A model of one training round on N executors (one core, one partition each), from quantities
 * measured here (docs/results.md, "A scale model"):
 * <pre>
 *   compute  C = H·b·t                                   (b rows per partition and step, t s per example and core)
 *   store    S = 2·4·K / disk                            (K floats of per-partition state, read and written)
 *   schedule J = j0 + j1·N                               (j0 measured: a job of empty tasks; j1 per task launched)
 *   down     D = bytes_down·⌈log2(N + 1)⌉ / bw           (torrent broadcast: a dissemination tree)
 *   up       U = N·u / bw                   depth 1      (every message through the driver)
 *              = ⌈√N⌉·(u + u_m) / bw        depth 2      (√N aggregators in parallel, then the driver)
 *              = N·u / bw                   compressed   (sign messages are concatenated, never summed)
 *   apply    A = P·a + (compressed: N·P·d)               (outer update or optimizer; decoding N sign messages)
 *   round    R = C + S + J + D + U + A,   examples/s = N·H·b / R,   efficiency = C / R
 * </pre>
 * with H = 1 and the full gradient for {@code every_step}; u is a partition's message (its vector as
 * floats), u_m a merged one (64-bit fixed-point sums). Depth as the trainer picks it: 1 up to
 * 8 partitions, else 2.
 */
record ScaleModel(double secondsPerExample, int rowsPerPartition, long params, long state, int tensors, double jobSeconds,
    double perTaskSeconds, double bandwidth, double diskBandwidth, double applyPerParam, double decodePerParam) {

  /** Bytes one partition sends up per round (its vector as floats; {@code merged}: a partial sum, 64-bit fixed point). */
  long upBytes(SyncSpec s, boolean merged) {
    long inner = s.innerState().equals("averaged") && s.strategy().equals("local") ? 2 * params * 8 : 0;
    long delta = s.compressed() ? (params + 63) / 64 * 8 + 4L * tensors : params * (merged ? 8 : 4);
    return delta + state * 8 + inner + 64;
  }

  /** Bytes every partition needs down per round. */
  long downBytes(SyncSpec s) {
    long inner = s.innerState().equals("averaged") && s.strategy().equals("local") ? 2 * params * 4 : 0;
    return 4 * (params + state) + inner;
  }

  /** Floats of per-partition state read and written per round. */
  long storeFloats(SyncSpec s) {
    if (!s.strategy().equals("local")) {
      return 0;
    }
    return (s.compressed() ? params : 0) + (s.innerState().equals("partition") ? 2 * params : 0);
  }

  /** {examples/s, efficiency, round seconds} at {@code n} executors. */
  double[] predict(SyncSpec s, int n) {
    int h = s.strategy().equals("local") ? s.localSteps() : 1;
    double compute = h * rowsPerPartition * secondsPerExample;
    double store = 2.0 * 4 * storeFloats(s) / diskBandwidth;
    double schedule = jobSeconds + perTaskSeconds * n;
    double down = downBytes(s) * Math.ceil(Math.log(n + 1) / Math.log(2)) / bandwidth;
    double up = s.compressed() || n <= 8 ? n * (double) upBytes(s, false) / bandwidth
        : Math.ceil(Math.sqrt(n)) * (upBytes(s, false) + upBytes(s, true)) / bandwidth;
    double apply = params * applyPerParam + (s.compressed() ? n * (double) params * decodePerParam : 0);
    double round = compute + store + schedule + down + up + apply;
    return new double[] {n * h * rowsPerPartition / round, compute / round, round};
  }

  /** One line per executor count. */
  String table(SyncSpec s, int... executors) {
    StringBuilder sb = new StringBuilder();
    for (int n : executors) {
      double[] p = predict(s, n);
      sb.append(String.format(Locale.ROOT, "  model %-40s N=%-4d examples_per_s=%.0f efficiency=%.2f round_ms=%.1f%n", s.describe(), n,
          p[0], p[1], p[2] * 1e3));
    }
    return sb.toString();
  }
}
