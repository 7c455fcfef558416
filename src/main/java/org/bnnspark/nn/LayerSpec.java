package org.bnnspark.nn;

import java.io.Serializable;
import java.util.List;
import java.util.Set;

/**
 * The description of one layer, as written in a configuration file ({@code layers[i]}):
 * <ul>
 *   <li>{@code {"type": "dense", "units": 512, "bias": true}} — real weights; {@code "weight_compression": "tanh"}
 *       uses {@code tanh(W̃)} (Bitwise Neural Networks' first stage, {@link CompressedDense});</li>
 *   <li>{@code {"type": "binary_dense", "units": 512, "kernel_quantizer": "ste_sign", "bias": false}};
 *       {@code "scale": "mean_abs"} multiplies each output by α = mean |W| of its weights (XNOR-Net),
 *       {@code "scale": "learned"} by a learned α per output (XNOR-Net++); on a {@code binary_conv2d},
 *       {@code "scale": "learned_chw"} by XNOR-Net++'s factorized Γ = α ⊗ β ⊗ γ over filter × output row × output column;
 *       {@code "activation_scale": true} takes the real input (no sign before it), binarizes it and scales by XNOR-Net's
 *       K = mean |input| over each window ({@link Conv2d});</li>
 *   <li>{@code {"type": "batch_norm", "epsilon": 1e-5, "momentum": 0.1}} ({@code "shift_based": true}: BinaryNet's shift-based variant);</li>
 *   <li>{@code {"type": "sign", "quantizer": "ste_sign"}} — binary activation with the STE;</li>
 *   <li>{@code {"type": "shift"}} — a learned per-feature shift (before a sign: ReActNet's RSign);</li>
 *   <li>{@code {"type": "hardtanh"}}, {@code {"type": "relu"}}, {@code {"type": "rprelu"}} (ReActNet's per-channel shifted PReLU);</li>
 *   <li>{@code {"type": "dropout", "rate": 0.2}} — training only (identity at inference);</li>
 *   <li>{@code {"type": "conv2d", "filters": 32, "kernel": 3, "stride": 1, "padding": 1, "bias": true}} and
 *       {@code {"type": "binary_conv2d", "filters": 32, "kernel": 3, ...}} (with {@code kernel_quantizer} and
 *       {@code scale} as binary_dense) — square kernels over a channels-last input, zero padding;</li>
 *   <li>{@code {"type": "max_pool2d", "pool": 2, "stride": 2}}, {@code {"type": "avg_pool2d", "pool": 2, "stride": 2}} and
 *       {@code {"type": "global_avg_pool"}} (the mean of each channel over the whole image: Bi-Real Net, ReActNet) ({@link AvgPool2d});</li>
 *   <li>{@code {"type": "flatten"}} — turns an image into a feature vector (dense layers take only those);</li>
 *   <li>{@code {"type": "abc_dense", "units": 256, "weight_bases": 3, "activation_bases": 3}} and
 *       {@code {"type": "abc_conv2d", "filters": 64, "kernel": 3, ..., "weight_bases": 3, "activation_bases": 3}} —
 *       ABC-Net's M × N binary bases ({@link AbcLayer}); they take the real input (e.g. a BatchNorm's output);</li>
 *   <li>{@code {"type": "residual", "layers": [...]}} — {@code x + block(x)}, a real-valued shortcut around the
 *       block (Bi-Real Net); the block ends with the shape it starts with.</li>
 * </ul>
 * {@code batch_norm} and {@code shift} on an image are per channel.
 *
 * @param units output features of a dense layer, filters of a convolution
 * @param kernel window side of a convolution or pooling
 * @param weightBases ABC-Net's M (0 for other layers)
 * @param activationBases ABC-Net's N (0 for other layers)
 * @param options boolean variants of the type: {@link #TANH_COMPRESSED} for a dense layer's
 *     {@code "weight_compression": "tanh"}, {@link #SHIFT_BASED} for a {@code batch_norm}'s {@code "shift_based": true},
 *     {@link #ACTIVATION_SCALE} for a binary layer's {@code "activation_scale": true}
 * @param block the layers of a {@code residual} block (null for other layers)
 */
public record LayerSpec(String type, int units, boolean bias, Quantizer quantizer, BinaryDense.Scale scale, float epsilon,
    float momentum, float rate, int kernel, int stride, int padding, int weightBases, int activationBases, Set<String> options,
    List<LayerSpec> block)
    implements Serializable {

  /** This layer with {@code u} units (filters); the layers of a block too. */
  public LayerSpec withUnits(int u) {
    List<LayerSpec> b = block == null ? null : block.stream().map(l -> l.units > 0 ? l.withUnits(u) : l).toList();
    return new LayerSpec(type, units > 0 ? u : units, bias, quantizer, scale, epsilon, momentum, rate, kernel, stride, padding,
        weightBases, activationBases, options, b);
  }

  /** A dense layer with {@code tanh(W̃)} weights. */
  public static final String TANH_COMPRESSED = "tanh_compressed";
  /** XNOR-Net's activation scale K on a binary layer that binarizes its own real input. */
  public static final String ACTIVATION_SCALE = "activation_scale";
  /** BinaryNet's shift-based BatchNorm. */
  public static final String SHIFT_BASED = "shift_based";

  public static final List<String> TYPES = List.of("dense", "binary_dense", "conv2d", "binary_conv2d", "abc_dense", "abc_conv2d",
      "max_pool2d", "avg_pool2d", "global_avg_pool", "flatten", "batch_norm", "sign", "shift", "hardtanh", "tanh", "relu", "rprelu", "dropout", "residual");

  /**
   * Builds the layer for an input of shape {@code in}; an {@link IllegalArgumentException} says why
   * the layer cannot take that input.
   */
  public Layer build(Shape in) {
    Layer layer = create(in);
    layer.spec = this;
    return layer;
  }

  private Layer create(Shape in) {
    return switch (type) {
      case "dense" -> options.contains(TANH_COMPRESSED) ? new CompressedDense(flat(in), units, bias) : new Dense(flat(in), units, bias);
      case "binary_dense" -> options.contains(ACTIVATION_SCALE) // K needs the windows of a convolution: here one, the whole row
          ? new Conv2d(new ConvGeometry(Shape.flat(flat(in)), 1, 1, 0), units, new BinaryDense(flat(in), units, false, quantizer, scale),
              false, true)
          : new BinaryDense(flat(in), units, bias, quantizer, scale);
      case "conv2d", "binary_conv2d" -> {
        ConvGeometry g = new ConvGeometry(in, kernel, stride, padding);
        yield new Conv2d(g, units, type.equals("conv2d") ? new Dense(g.patchSize(), units, bias)
            : new BinaryDense(g.patchSize(), units, bias, quantizer, scale), scale == BinaryDense.Scale.LEARNED_CHW,
            options.contains(ACTIVATION_SCALE));
      }
      case "abc_dense" -> AbcLayer.dense(flat(in), units, weightBases, activationBases);
      case "abc_conv2d" -> new AbcLayer(new ConvGeometry(in, kernel, stride, padding), units, weightBases, activationBases);
      case "max_pool2d" -> new MaxPool2d(in, kernel, stride);
      case "avg_pool2d" -> new AvgPool2d(in, kernel, kernel, stride);
      case "global_avg_pool" -> new AvgPool2d(in, in.height(), in.width(), 1);
      case "flatten" -> new Flatten(in);
      case "batch_norm" -> new BatchNorm(in, epsilon, momentum, options.contains(SHIFT_BASED));
      case "sign" -> new Activation(in, quantizer);
      case "shift" -> new Shift(in);
      case "hardtanh" -> new Activation(in, Activation.Kind.HARDTANH);
      case "tanh" -> new Activation(in, Activation.Kind.TANH);
      case "relu" -> new Activation(in, Activation.Kind.RELU);
      case "rprelu" -> new RPRelu(in);
      case "dropout" -> new Dropout(in, rate);
      case "residual" -> {
        List<Layer> layers = new java.util.ArrayList<>();
        Shape shape = in;
        for (LayerSpec b : block) {
          Layer l = b.build(shape);
          layers.add(l);
          shape = l.outShape();
        }
        yield new Residual(in, layers);
      }
      default -> throw new IllegalStateException(type);
    };
  }

  private int flat(Shape in) {
    if (!in.isFlat()) {
      throw new IllegalArgumentException(type + " takes a feature vector but receives a " + in + " image (add {\"type\": \"flatten\"} before it)");
    }
    return in.size();
  }

  /** Output shape for an input of shape {@code in}. */
  public Shape outputShape(Shape in) {
    return build(in).outShape();
  }

  static LayerSpec parse(ConfigNode c) {
    String type = c.string("type");
    switch (type) {
      case "dense" -> {
        c.allowOnly(Set.of("type", "units", "bias", "weight_compression"));
        String compression = c.string("weight_compression", "none");
        if (!compression.equals("none") && !compression.equals("tanh")) {
          throw c.error("'weight_compression': expected none or tanh, got '" + compression + "'");
        }
        return new LayerSpec(type, c.positiveInt("units"), c.bool("bias", true), null, null, 0f, 0f, 0f, 0, 0, 0, 0, 0,
            compression.equals("tanh") ? Set.of(TANH_COMPRESSED) : Set.of(), null);
      }
      case "binary_dense" -> {
        c.allowOnly(Set.of("type", "units", "bias", "kernel_quantizer", "scale", "activation_scale"));
        BinaryDense.Scale scale = scale(c);
        if (scale == BinaryDense.Scale.LEARNED_CHW) {
          throw c.error("'scale': " + scale.configName() + " factors over a convolution's output height and width; a dense layer takes "
              + BinaryDense.Scale.LEARNED.configName());
        }
        return new LayerSpec(type, c.positiveInt("units"), binaryBias(c, scale), quantizer(c, "kernel_quantizer"), scale, 0f, 0f, 0f, 0, 0, 0, 0, 0,
            activationScale(c), null);
      }
      case "conv2d" -> {
        c.allowOnly(Set.of("type", "filters", "kernel", "stride", "padding", "bias"));
        return new LayerSpec(type, c.positiveInt("filters"), c.bool("bias", true), null, null, 0f, 0f, 0f, c.positiveInt("kernel"),
            c.positiveInt("stride", 1), padding(c), 0, 0, Set.of(), null);
      }
      case "binary_conv2d" -> {
        c.allowOnly(Set.of("type", "filters", "kernel", "stride", "padding", "bias", "kernel_quantizer", "scale", "activation_scale"));
        BinaryDense.Scale scale = scale(c);
        return new LayerSpec(type, c.positiveInt("filters"), binaryBias(c, scale), quantizer(c, "kernel_quantizer"), scale, 0f, 0f, 0f,
            c.positiveInt("kernel"), c.positiveInt("stride", 1), padding(c), 0, 0, activationScale(c), null);
      }
      case "max_pool2d", "avg_pool2d" -> {
        c.allowOnly(Set.of("type", "pool", "stride"));
        int pool = c.positiveInt("pool");
        return new LayerSpec(type, 0, false, null, null, 0f, 0f, 0f, pool, c.positiveInt("stride", pool), 0, 0, 0, Set.of(), null);
      }
      case "abc_dense" -> {
        c.allowOnly(Set.of("type", "units", "weight_bases", "activation_bases"));
        return new LayerSpec(type, c.positiveInt("units"), false, null, null, 0f, 0f, 0f, 1, 1, 0, bases(c, "weight_bases"),
            bases(c, "activation_bases"), Set.of(), null);
      }
      case "abc_conv2d" -> {
        c.allowOnly(Set.of("type", "filters", "kernel", "stride", "padding", "weight_bases", "activation_bases"));
        return new LayerSpec(type, c.positiveInt("filters"), false, null, null, 0f, 0f, 0f, c.positiveInt("kernel"),
            c.positiveInt("stride", 1), padding(c), bases(c, "weight_bases"), bases(c, "activation_bases"), Set.of(), null);
      }
      case "batch_norm" -> {
        c.allowOnly(Set.of("type", "epsilon", "momentum", "shift_based"));
        return new LayerSpec(type, 0, false, null, null, (float) c.number("epsilon", 1e-5, 1e-12, 1),
            (float) c.number("momentum", 0.1, 0, 1), 0f, 0, 0, 0, 0, 0, c.bool("shift_based", false) ? Set.of(SHIFT_BASED) : Set.of(), null);
      }
      case "sign" -> {
        c.allowOnly(Set.of("type", "quantizer"));
        Quantizer q = quantizer(c, "quantizer");
        if (q.stochastic()) {
          throw c.error("'quantizer': " + q.configName() + " binarizes weights (BinaryConnect); a sign activation takes "
              + Quantizer.STE_SIGN.configName() + " or " + Quantizer.APPROX_SIGN.configName());
        }
        return new LayerSpec(type, 0, false, q, null, 0f, 0f, 0f, 0, 0, 0, 0, 0, Set.of(), null);
      }
      case "dropout" -> {
        c.allowOnly(Set.of("type", "rate"));
        return new LayerSpec(type, 0, false, null, null, 0f, 0f, (float) c.number("rate", 0.5, 0, 0.95), 0, 0, 0, 0, 0, Set.of(), null);
      }
      case "shift", "hardtanh", "tanh", "relu", "rprelu", "flatten", "global_avg_pool" -> {
        c.allowOnly(Set.of("type"));
        return new LayerSpec(type, 0, false, null, null, 0f, 0f, 0f, 0, 0, 0, 0, 0, Set.of(), null);
      }
      case "residual" -> {
        c.allowOnly(Set.of("type", "layers"));
        return new LayerSpec(type, 0, false, null, null, 0f, 0f, 0f, 0, 0, 0, 0, 0, Set.of(),
            c.objects("layers").stream().map(LayerSpec::parse).toList());
      }
      default -> throw c.error("unknown layer type '" + type + "' (expected one of: " + String.join(", ", TYPES) + ")");
    }
  }

  /**
   * Writes this spec field by field (a packed model keeps the layers it runs in the training graph's
   * form this way): type, units, bias, quantizer and scale by name ("" for none), ε, momentum, rate,
   * kernel, stride, padding, bases, options, and a block's specs (−1 for none).
   */
  public void write(java.io.DataOutput out) throws java.io.IOException {
    out.writeUTF(type);
    out.writeInt(units);
    out.writeBoolean(bias);
    out.writeUTF(quantizer == null ? "" : quantizer.configName());
    out.writeUTF(scale == null ? "" : scale.configName());
    out.writeFloat(epsilon);
    out.writeFloat(momentum);
    out.writeFloat(rate);
    for (int v : new int[] {kernel, stride, padding, weightBases, activationBases}) {
      out.writeInt(v);
    }
    out.writeInt(options.size());
    for (String o : new java.util.TreeSet<>(options)) {
      out.writeUTF(o);
    }
    out.writeInt(block == null ? -1 : block.size());
    if (block != null) {
      for (LayerSpec b : block) {
        b.write(out);
      }
    }
  }

  /** Reads what {@link #write} wrote; an unknown type, name or count is an {@link IllegalArgumentException}. */
  public static LayerSpec read(java.io.DataInput in) throws java.io.IOException {
    return read(in, 0);
  }

  private static LayerSpec read(java.io.DataInput in, int depth) throws java.io.IOException {
    String type = in.readUTF();
    if (!TYPES.contains(type)) {
      throw new IllegalArgumentException("unknown layer type '" + type + "'");
    }
    int units = in.readInt();
    boolean bias = in.readBoolean();
    String q = in.readUTF();
    String s = in.readUTF();
    float epsilon = in.readFloat();
    float momentum = in.readFloat();
    float rate = in.readFloat();
    int[] ints = new int[5];
    for (int i = 0; i < ints.length; i++) {
      ints[i] = in.readInt();
    }
    int optionCount = in.readInt();
    if (optionCount < 0 || optionCount > 8) {
      throw new IllegalArgumentException("option count " + optionCount + " is out of range");
    }
    Set<String> options = new java.util.TreeSet<>();
    for (int i = 0; i < optionCount; i++) {
      options.add(in.readUTF());
    }
    int blockCount = in.readInt();
    if (blockCount < -1 || blockCount > 4096 || (blockCount >= 0 && depth >= 16)) {
      throw new IllegalArgumentException("block of " + blockCount + " layers at depth " + depth + " is out of range");
    }
    List<LayerSpec> block = null;
    if (blockCount >= 0) {
      block = new java.util.ArrayList<>();
      for (int i = 0; i < blockCount; i++) {
        block.add(read(in, depth + 1));
      }
    }
    return new LayerSpec(type, units, bias, q.isEmpty() ? null : Quantizer.byName(q), s.isEmpty() ? null : BinaryDense.Scale.byName(s),
        epsilon, momentum, rate, ints[0], ints[1], ints[2], ints[3], ints[4], Set.copyOf(options), block == null ? null : List.copyOf(block));
  }

  private static BinaryDense.Scale scale(ConfigNode c) {
    try {
      return BinaryDense.Scale.byName(c.string("scale", "none"));
    } catch (IllegalArgumentException e) {
      throw c.error("'scale': " + e.getMessage());
    }
  }

  private static boolean binaryBias(ConfigNode c, BinaryDense.Scale scale) {
    boolean bias = c.bool("bias", false);
    if (bias && scale != BinaryDense.Scale.NONE) {
      throw c.error("'scale': " + scale.configName() + " scales the product, so the layer takes no bias (a batch_norm after it shifts)");
    }
    return bias;
  }

  private static Set<String> activationScale(ConfigNode c) {
    if (!c.bool("activation_scale", false)) {
      return Set.of();
    }
    if (c.bool("bias", false)) {
      throw c.error("'activation_scale': K scales the product, so the layer takes no bias (a batch_norm after it shifts)");
    }
    return Set.of(ACTIVATION_SCALE);
  }

  private static int bases(ConfigNode c, String key) {
    int b = c.positiveInt(key, 3);
    if (b > 8) {
      throw c.error("'" + key + "': at most 8 bases (each one multiplies the binary work), got " + b);
    }
    return b;
  }

  private static int padding(ConfigNode c) {
    long p = c.longValue("padding", 0);
    if (p < 0 || p > 64) {
      throw c.error("'padding': expected 0..64 (zero padding on every side), got " + p);
    }
    return (int) p;
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
