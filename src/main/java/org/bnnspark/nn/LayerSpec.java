package org.bnnspark.nn;

import java.io.Serializable;
import java.util.List;
import java.util.Set;

/**
 * The description of one layer, as written in a configuration file ({@code layers[i]}):
 * <ul>
 *   <li>{@code {"type": "dense", "units": 512, "bias": true}} — real weights;</li>
 *   <li>{@code {"type": "binary_dense", "units": 512, "kernel_quantizer": "ste_sign", "bias": false}};
 *       {@code "scale": "mean_abs"} multiplies each output by α = mean |W| of its weights (XNOR-Net),
 *       {@code "scale": "learned"} by a learned α per output (XNOR-Net++);</li>
 *   <li>{@code {"type": "batch_norm", "epsilon": 1e-5, "momentum": 0.1}};</li>
 *   <li>{@code {"type": "sign", "quantizer": "ste_sign"}} — binary activation with the STE;</li>
 *   <li>{@code {"type": "shift"}} — a learned per-feature shift (before a sign: ReActNet's RSign);</li>
 *   <li>{@code {"type": "hardtanh"}}, {@code {"type": "relu"}};</li>
 *   <li>{@code {"type": "dropout", "rate": 0.2}} — training only (identity at inference).</li>
 * </ul>
 */
public record LayerSpec(String type, int units, boolean bias, Quantizer quantizer, BinaryDense.Scale scale, float epsilon,
    float momentum, float rate)
    implements Serializable {

  public static final List<String> TYPES = List.of("dense", "binary_dense", "batch_norm", "sign", "shift", "hardtanh", "relu", "dropout");

  /** Builds the layer for an input of {@code in} features. */
  public Layer build(int in) {
    return switch (type) {
      case "dense" -> new Dense(in, units, bias);
      case "binary_dense" -> new BinaryDense(in, units, bias, quantizer, scale);
      case "batch_norm" -> new BatchNorm(in, epsilon, momentum);
      case "sign" -> new SignActivation(in, quantizer);
      case "shift" -> new Shift(in);
      case "hardtanh" -> new HardTanh(in);
      case "relu" -> new Relu(in);
      case "dropout" -> new Dropout(in, rate);
      default -> throw new IllegalStateException(type);
    };
  }

  /** Output width for an input of {@code in} features. */
  public int outputSize(int in) {
    return type.equals("dense") || type.equals("binary_dense") ? units : in;
  }

  static LayerSpec parse(ConfigNode c) {
    String type = c.string("type");
    switch (type) {
      case "dense" -> {
        c.allowOnly(Set.of("type", "units", "bias"));
        return new LayerSpec(type, c.positiveInt("units"), c.bool("bias", true), null, null, 0f, 0f, 0f);
      }
      case "binary_dense" -> {
        c.allowOnly(Set.of("type", "units", "bias", "kernel_quantizer", "scale"));
        BinaryDense.Scale scale;
        try {
          scale = BinaryDense.Scale.byName(c.string("scale", "none"));
        } catch (IllegalArgumentException e) {
          throw c.error("'scale': " + e.getMessage());
        }
        boolean bias = c.bool("bias", false);
        if (bias && scale != BinaryDense.Scale.NONE) {
          throw c.error("'scale': " + scale.configName() + " scales the product, so the layer takes no bias (a batch_norm after it shifts)");
        }
        return new LayerSpec(type, c.positiveInt("units"), bias, quantizer(c, "kernel_quantizer"), scale, 0f, 0f, 0f);
      }
      case "batch_norm" -> {
        c.allowOnly(Set.of("type", "epsilon", "momentum"));
        return new LayerSpec(type, 0, false, null, null, (float) c.number("epsilon", 1e-5, 1e-12, 1),
            (float) c.number("momentum", 0.1, 0, 1), 0f);
      }
      case "sign" -> {
        c.allowOnly(Set.of("type", "quantizer"));
        Quantizer q = quantizer(c, "quantizer");
        if (q.stochastic()) {
          throw c.error("'quantizer': " + q.configName() + " binarizes weights (BinaryConnect); a sign activation takes "
              + Quantizer.STE_SIGN.configName() + " or " + Quantizer.APPROX_SIGN.configName());
        }
        return new LayerSpec(type, 0, false, q, null, 0f, 0f, 0f);
      }
      case "dropout" -> {
        c.allowOnly(Set.of("type", "rate"));
        return new LayerSpec(type, 0, false, null, null, 0f, 0f, (float) c.number("rate", 0.5, 0, 0.95));
      }
      case "shift", "hardtanh", "relu" -> {
        c.allowOnly(Set.of("type"));
        return new LayerSpec(type, 0, false, null, null, 0f, 0f, 0f);
      }
      default -> throw c.error("unknown layer type '" + type + "' (expected one of: " + String.join(", ", TYPES) + ")");
    }
  }

  private static Quantizer quantizer(ConfigNode c, String key) {
    String name = c.string(key, Quantizer.STE_SIGN.configName());
    try {
      return Quantizer.byName(name);
    } catch (IllegalArgumentException e) {
      throw c.error("'" + key + "': " + e.getMessage());
    }
  }
}
