package org.bnnspark.spark;

import org.bnnspark.inference.PackedModel;
import org.bnnspark.inference.PackedScorer;
import org.bnnspark.nn.Network;
import org.bnnspark.nn.NetworkSpec;
import org.bnnspark.train.ModelConfig;

/**
 * What a scoring task runs, broadcast once per job: the packed XNOR model (the default engine), or
 * the trained network in float through the training graph (the {@code float} engine: the baseline
 * the benchmarks compare against, and a cross-check of the packed model).
 *
 * <p>It travels the same way under every serializer a Spark application may use — the packed
 * model's file bytes, or the configuration text and the float arrays: under Kryo through {@link
 * BulkArraySerializers.Scoring} (registered by our registrator, and named by {@code @DefaultSerializer}
 * for a Kryo without it: Kryo's field serializer cannot read the records inside on JDK 25), under
 * Spark's default Java serialization through {@link #writeObject}.
 */
@com.esotericsoftware.kryo.DefaultSerializer(BulkArraySerializers.Scoring.class)
public final class ScoringModel implements java.io.Serializable {
  private static final long serialVersionUID = 1L;
  transient PackedModel packed;
  transient ModelConfig config;
  transient float[] params;
  transient float[] state;

  private ScoringModel(PackedModel packed, ModelConfig config, float[] params, float[] state) {
    this.packed = packed;
    this.config = config;
    this.params = params;
    this.state = state;
  }

  private void writeObject(java.io.ObjectOutputStream out) throws java.io.IOException {
    out.defaultWriteObject();
    out.writeBoolean(packed != null);
    if (packed != null) {
      byte[] bytes = org.bnnspark.inference.PackedModelFile.toBytes(packed);
      out.writeInt(bytes.length);
      out.write(bytes);
      return;
    }
    byte[] text = config.text().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    out.writeInt(text.length);
    out.write(text);
    out.writeObject(params);
    out.writeObject(state);
  }

  private void readObject(java.io.ObjectInputStream in) throws java.io.IOException, ClassNotFoundException {
    in.defaultReadObject();
    boolean isPacked = in.readBoolean();
    byte[] bytes = new byte[in.readInt()];
    in.readFully(bytes);
    if (isPacked) {
      packed = org.bnnspark.inference.PackedModelFile.fromBytes(bytes, "broadcast packed model");
      return;
    }
    config = ModelConfig.parse(new String(bytes, java.nio.charset.StandardCharsets.UTF_8), "broadcast model configuration");
    params = (float[]) in.readObject();
    state = (float[]) in.readObject();
  }

  public static ScoringModel packed(PackedModel model) {
    return new ScoringModel(model, null, null, null);
  }

  public static ScoringModel graph(ModelConfig config, float[] params, float[] state) {
    return new ScoringModel(null, config, params, state);
  }

  /** {@code packed} or {@code float}. */
  public String engine() {
    return packed != null ? "packed" : "float";
  }

  public PackedModel packedModel() {
    return packed;
  }

  /** The input scale and sizes the readers need. */
  public NetworkSpec inputSpec() {
    return packed != null ? packed.inputSpec() : config.network();
  }

  public int classes() {
    return inputSpec().classes();
  }

  /** Batch logits of one thread. */
  public interface Logits {
    void logits(float[] x, int n, float[] out);
  }

  /** A per-thread scorer (buffers included). */
  Logits newLogits() {
    if (packed != null) {
      PackedScorer s = ExecutorCache.scorer(packed);
      return s::logits;
    }
    Network net = ExecutorCache.forSpec(config.network()).inference;
    return (x, n, out) -> net.predictLogits(params, state, x, n, out);
  }
}
