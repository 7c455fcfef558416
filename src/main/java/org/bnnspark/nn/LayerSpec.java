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
 * <p>Each layer type's options are its own record ({@link Dense}, {@link BinaryDenseSpec}, {@link Conv},
 * {@link BinaryConv}, {@link Abc}, {@link Pool}, {@link Norm}, {@link Sign}, {@link DropoutSpec},
 * {@link Plain}, {@link Block}); a record builds its layer for an input shape. A packed model stores
 * the spec of a layer it runs in the graph's form ({@link #write}, {@link #read}).
 */
public sealed interface LayerSpec extends Serializable
    permits LayerSpec.Dense, LayerSpec.BinaryDenseSpec, LayerSpec.Conv, LayerSpec.BinaryConv, LayerSpec.Abc, LayerSpec.Pool,
        LayerSpec.Norm, LayerSpec.Sign, LayerSpec.DropoutSpec, LayerSpec.Plain, LayerSpec.Block {

  List<String> TYPES = List.of("dense", "binary_dense", "conv2d", "binary_conv2d", "abc_dense", "abc_conv2d",
      "max_pool2d", "avg_pool2d", "global_avg_pool", "flatten", "batch_norm", "sign", "shift", "hardtanh", "tanh", "relu", "rprelu", "dropout", "residual");

  /** The configuration's {@code "type"}. */
  String type();

  /** The layer for an input of shape {@code in}; an {@link IllegalArgumentException} says why it cannot take that input. */
  Layer create(Shape in);

  /** Output features of a dense layer, filters of a convolution; 0 for a layer without. */
  default int units() {
    return 0;
  }

  /** This layer with {@code u} units (filters) where it has units; the layers of a block too. */
  default LayerSpec withUnits(int u) {
    return this;
  }

  /** Builds the layer for an input of shape {@code in}, remembering this spec in it. */
  default Layer build(Shape in) {
    Layer layer = create(in);
    layer.spec = this;
    return layer;
  }

  /** Output shape for an input of shape {@code in}. */
  default Shape outputShape(Shape in) {
    return build(in).outShape();
  }

  /** A convolution's or pooling's square window: side, stride, zero padding on every side. */
  record Window(int kernel, int stride, int padding) implements Serializable {
    ConvGeometry on(Shape in) {
      return new ConvGeometry(in, kernel, stride, padding);
    }
  }

  /** {@code dense}: real weights; {@code tanhCompressed} acts through {@code tanh(W̃)} ({@link CompressedDense}). */
  record Dense(int units, boolean bias, boolean tanhCompressed) implements LayerSpec {
    public String type() {
      return "dense";
    }

    public Layer create(Shape in) {
      int n = flat(type(), in);
      return tanhCompressed ? new CompressedDense(n, units, bias) : new org.bnnspark.nn.Dense(n, units, bias);
    }

    public LayerSpec withUnits(int u) {
      return new Dense(u, bias, tanhCompressed);
    }
  }

  /** {@code binary_dense}; with {@code activationScale} it binarizes its real input and scales by XNOR-Net's K over the whole row. */
  record BinaryDenseSpec(int units, boolean bias, Quantizer quantizer, BinaryDense.Scale scale, boolean activationScale)
      implements LayerSpec {
    public String type() {
      return "binary_dense";
    }

    public Layer create(Shape in) {
      int n = flat(type(), in);
      if (activationScale) { // K needs the windows of a convolution: here one, the whole row
        return new Conv2d(new ConvGeometry(Shape.flat(n), 1, 1, 0), units, new BinaryDense(n, units, false, quantizer, scale),
            List.of(new Conv2d.ActivationScale()));
      }
      return new BinaryDense(n, units, bias, quantizer, scale);
    }

    public LayerSpec withUnits(int u) {
      return new BinaryDenseSpec(u, bias, quantizer, scale, activationScale);
    }
  }

  /** {@code conv2d}: real filters over a channels-last input. */
  record Conv(int units, Window window, boolean bias) implements LayerSpec {
    public String type() {
      return "conv2d";
    }

    public Layer create(Shape in) {
      ConvGeometry g = window.on(in);
      return new Conv2d(g, units, new org.bnnspark.nn.Dense(g.patchSize(), units, bias));
    }

    public LayerSpec withUnits(int u) {
      return new Conv(u, window, bias);
    }
  }

  /** {@code binary_conv2d}: ±1 filters; {@code learned_chw} scales by XNOR-Net++'s α ⊗ β ⊗ γ, {@code activationScale} by XNOR-Net's K. */
  record BinaryConv(int units, Window window, boolean bias, Quantizer quantizer, BinaryDense.Scale scale, boolean activationScale)
      implements LayerSpec {
    public String type() {
      return "binary_conv2d";
    }

    public Layer create(Shape in) {
      ConvGeometry g = window.on(in);
      List<Conv2d.PositionScale> scales = new java.util.ArrayList<>();
      if (scale == BinaryDense.Scale.LEARNED_CHW) {
        scales.add(new Conv2d.SpatialScale());
      }
      if (activationScale) {
        scales.add(new Conv2d.ActivationScale());
      }
      return new Conv2d(g, units, new BinaryDense(g.patchSize(), units, bias, quantizer, scale), scales);
    }

    public LayerSpec withUnits(int u) {
      return new BinaryConv(u, window, bias, quantizer, scale, activationScale);
    }
  }

  /** {@code abc_dense} ({@code window} null) and {@code abc_conv2d}: ABC-Net's M weight and N activation bases. */
  record Abc(int units, Window window, int weightBases, int activationBases) implements LayerSpec {
    public String type() {
      return window == null ? "abc_dense" : "abc_conv2d";
    }

    public Layer create(Shape in) {
      return window == null ? AbcLayer.dense(flat(type(), in), units, weightBases, activationBases)
          : new AbcLayer(window.on(in), units, weightBases, activationBases);
    }

    public LayerSpec withUnits(int u) {
      return new Abc(u, window, weightBases, activationBases);
    }
  }

  /** {@code max_pool2d} ({@code max}) and {@code avg_pool2d} over {@code pool × pool} windows. */
  record Pool(boolean max, int pool, int stride) implements LayerSpec {
    public String type() {
      return max ? "max_pool2d" : "avg_pool2d";
    }

    public Layer create(Shape in) {
      return max ? new MaxPool2d(in, pool, stride) : new AvgPool2d(in, pool, pool, stride);
    }
  }

  /** {@code batch_norm} ({@code shiftBased}: BinaryNet's shift-based variant). */
  record Norm(float epsilon, float momentum, boolean shiftBased) implements LayerSpec {
    public String type() {
      return "batch_norm";
    }

    public Layer create(Shape in) {
      return new BatchNorm(in, epsilon, momentum, shiftBased);
    }
  }

  /** {@code sign}: a binary activation with its estimator. */
  record Sign(Quantizer quantizer) implements LayerSpec {
    public String type() {
      return "sign";
    }

    public Layer create(Shape in) {
      return new Activation(in, quantizer);
    }
  }

  /** {@code dropout}. */
  record DropoutSpec(float rate) implements LayerSpec {
    public String type() {
      return "dropout";
    }

    public Layer create(Shape in) {
      return new Dropout(in, rate);
    }
  }

  /** A layer with no options: shift, hardtanh, tanh, relu, rprelu, flatten, global_avg_pool. */
  record Plain(String type) implements LayerSpec {
    static final List<String> TYPES = List.of("shift", "hardtanh", "tanh", "relu", "rprelu", "flatten", "global_avg_pool");

    public Plain {
      if (!TYPES.contains(type)) {
        throw new IllegalArgumentException("'" + type + "' is not a layer without options");
      }
    }

    public Layer create(Shape in) {
      return switch (type) {
        case "shift" -> new Shift(in);
        case "hardtanh" -> new Activation(in, Activation.Kind.HARDTANH);
        case "tanh" -> new Activation(in, Activation.Kind.TANH);
        case "relu" -> new Activation(in, Activation.Kind.RELU);
        case "rprelu" -> new RPRelu(in);
        case "flatten" -> new Flatten(in);
        default -> new AvgPool2d(in, in.height(), in.width(), 1); // global_avg_pool
      };
    }
  }

  /** {@code residual}: {@code x + block(x)}. */
  record Block(List<LayerSpec> layers) implements LayerSpec {
    public Block {
      layers = List.copyOf(layers);
    }

    public String type() {
      return "residual";
    }

    public Layer create(Shape in) {
      List<Layer> built = new java.util.ArrayList<>();
      Shape shape = in;
      for (LayerSpec b : layers) {
        Layer l = b.build(shape);
        built.add(l);
        shape = l.outShape();
      }
      return new Residual(in, built);
    }

    public LayerSpec withUnits(int u) {
      return new Block(layers.stream().map(l -> l.units() > 0 ? l.withUnits(u) : l).toList());
    }
  }

  private static int flat(String type, Shape in) {
    if (!in.isFlat()) {
      throw new IllegalArgumentException(type + " takes a feature vector but receives a " + in + " image (add {\"type\": \"flatten\"} before it)");
    }
    return in.size();
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
        return new Dense(c.positiveInt("units"), c.bool("bias", true), compression.equals("tanh"));
      }
      case "binary_dense" -> {
        c.allowOnly(Set.of("type", "units", "bias", "kernel_quantizer", "scale", "activation_scale"));
        BinaryDense.Scale scale = scale(c);
        if (scale == BinaryDense.Scale.LEARNED_CHW) {
          throw c.error("'scale': " + scale.configName() + " factors over a convolution's output height and width; a dense layer takes "
              + BinaryDense.Scale.LEARNED.configName());
        }
        return new BinaryDenseSpec(c.positiveInt("units"), binaryBias(c, scale), quantizer(c, "kernel_quantizer"), scale, activationScale(c));
      }
      case "conv2d" -> {
        c.allowOnly(Set.of("type", "filters", "kernel", "stride", "padding", "bias"));
        return new Conv(c.positiveInt("filters"), window(c), c.bool("bias", true));
      }
      case "binary_conv2d" -> {
        c.allowOnly(Set.of("type", "filters", "kernel", "stride", "padding", "bias", "kernel_quantizer", "scale", "activation_scale"));
        BinaryDense.Scale scale = scale(c);
        return new BinaryConv(c.positiveInt("filters"), window(c), binaryBias(c, scale), quantizer(c, "kernel_quantizer"), scale,
            activationScale(c));
      }
      case "max_pool2d", "avg_pool2d" -> {
        c.allowOnly(Set.of("type", "pool", "stride"));
        int pool = c.positiveInt("pool");
        return new Pool(type.equals("max_pool2d"), pool, c.positiveInt("stride", pool));
      }
      case "abc_dense" -> {
        c.allowOnly(Set.of("type", "units", "weight_bases", "activation_bases"));
        return new Abc(c.positiveInt("units"), null, bases(c, "weight_bases"), bases(c, "activation_bases"));
      }
      case "abc_conv2d" -> {
        c.allowOnly(Set.of("type", "filters", "kernel", "stride", "padding", "weight_bases", "activation_bases"));
        return new Abc(c.positiveInt("filters"), window(c), bases(c, "weight_bases"), bases(c, "activation_bases"));
      }
      case "batch_norm" -> {
        c.allowOnly(Set.of("type", "epsilon", "momentum", "shift_based"));
        return new Norm((float) c.number("epsilon", 1e-5, 1e-12, 1), (float) c.number("momentum", 0.1, 0, 1), c.bool("shift_based", false));
      }
      case "sign" -> {
        c.allowOnly(Set.of("type", "quantizer"));
        Quantizer q = quantizer(c, "quantizer");
        if (q.stochastic()) {
          throw c.error("'quantizer': " + q.configName() + " binarizes weights (BinaryConnect); a sign activation takes "
              + Quantizer.STE_SIGN.configName() + " or " + Quantizer.APPROX_SIGN.configName());
        }
        return new Sign(q);
      }
      case "dropout" -> {
        c.allowOnly(Set.of("type", "rate"));
        return new DropoutSpec((float) c.number("rate", 0.5, 0, 0.95));
      }
      case "shift", "hardtanh", "tanh", "relu", "rprelu", "flatten", "global_avg_pool" -> {
        c.allowOnly(Set.of("type"));
        return new Plain(type);
      }
      case "residual" -> {
        c.allowOnly(Set.of("type", "layers"));
        return new Block(c.objects("layers").stream().map(LayerSpec::parse).toList());
      }
      default -> throw c.error("unknown layer type '" + type + "' (expected one of: " + String.join(", ", TYPES) + ")");
    }
  }

  /** Writes this spec ({@link LayerSpecCodec}): a packed model keeps the layers it runs in the graph's form this way. */
  default void write(java.io.DataOutput out) throws java.io.IOException {
    LayerSpecCodec.write(this, out);
  }

  /** Reads what {@link #write} wrote; an unknown type, name or count is an {@link IllegalArgumentException}. */
  static LayerSpec read(java.io.DataInput in) throws java.io.IOException {
    return LayerSpecCodec.read(in, 0);
  }

  private static Window window(ConfigNode c) {
    return new Window(c.positiveInt("kernel"), c.positiveInt("stride", 1), padding(c));
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

  private static boolean activationScale(ConfigNode c) {
    if (!c.bool("activation_scale", false)) {
      return false;
    }
    if (c.bool("bias", false)) {
      throw c.error("'activation_scale': K scales the product, so the layer takes no bias (a batch_norm after it shifts)");
    }
    return true;
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
