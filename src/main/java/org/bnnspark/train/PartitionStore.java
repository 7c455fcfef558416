package org.bnnspark.train;

import java.io.Serializable;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where a strategy's per-partition state lives between rounds — the error-feedback residuals of
 * compressed exchange, the inner optimizer state under {@code inner_state: "partition"}: one float
 * vector per partition, keyed by the number of rounds after which it holds. A round's task reads the
 * vector of its own index and writes the next, so a retried task reads and writes the same bytes;
 * a checkpoint names the round, whose vectors stay in the store ({@link #discard} is the driver's).
 * Before the first round the state is zero.
 */
public interface PartitionStore extends Serializable {
  /** The state of {@code partition} after {@code round} rounds, {@code size} values (zeros for round 0). */
  float[] read(long round, int partition, int size);

  void write(long round, int partition, float[] residual);

  /** Forgets the states after {@code round} rounds (no longer needed by a round or a checkpoint). */
  void discard(long round);

  /** A store in this process's memory: the single-process reference and tests. */
  static PartitionStore inMemory() {
    return new Memory();
  }

  /** For strategies that keep no per-partition state: any use is a programming error. */
  PartitionStore NONE = new PartitionStore() {
    @Override
    public float[] read(long round, int partition, int size) {
      throw new IllegalStateException("no partition store configured");
    }

    @Override
    public void write(long round, int partition, float[] residual) {
      throw new IllegalStateException("no partition store configured");
    }

    @Override
    public void discard(long round) {}
  };

  /** In-memory states (the map does not travel: use only where tasks run in this JVM). */
  final class Memory implements PartitionStore {
    private final transient Map<Long, Map<Integer, float[]>> rounds = new ConcurrentHashMap<>();

    @Override
    public float[] read(long round, int partition, int size) {
      if (round == 0) {
        return new float[size];
      }
      float[] r = rounds.getOrDefault(round, Map.of()).get(partition);
      if (r == null) {
        throw new IllegalStateException("no state of partition " + partition + " after round " + round);
      }
      return r.clone();
    }

    @Override
    public void write(long round, int partition, float[] residual) {
      rounds.computeIfAbsent(round, k -> new ConcurrentHashMap<>()).put(partition, residual.clone());
    }

    @Override
    public void discard(long round) {
      rounds.remove(round);
    }
  }
}
