package org.bnnspark.nn;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The bytes of a {@link LayerSpec} in a packed model file (format 3's graph stages), field by field
 * in one fixed layout for every type: type, units, bias, quantizer and scale by name ("" for none),
 * ε, momentum, rate, kernel, stride, padding, weight bases, activation bases, the boolean options by
 * name ({@code tanh_compressed}, {@code activation_scale}, {@code shift_based}), and a block's specs
 * (−1 for none). A type writes its own options and zeros elsewhere; reading builds the type's record.
 */
final class LayerSpecCodec {
  private static final String TANH_COMPRESSED = "tanh_compressed";
  private static final String ACTIVATION_SCALE = "activation_scale";
  private static final String SHIFT_BASED = "shift_based";

  private LayerSpecCodec() {}

  /** The fixed layout's values: a type sets its own, the rest stay zero. */
  private static final class Fields {
    final String type;
    int units;
    boolean bias;
    Quantizer quantizer;
    BinaryDense.Scale scale;
    float epsilon;
    float momentum;
    float rate;
    int kernel;
    int stride;
    int padding;
    int weightBases;
    int activationBases;
    Set<String> options = new TreeSet<>();
    List<LayerSpec> block;

    Fields(String type) {
      this.type = type;
    }

    void window(LayerSpec.Window w) {
      kernel = w.kernel();
      stride = w.stride();
      padding = w.padding();
    }

    LayerSpec.Window window() {
      return new LayerSpec.Window(kernel, stride, padding);
    }

    void option(boolean on, String name) {
      if (on) {
        options.add(name);
      }
    }
  }

  private static Fields fields(LayerSpec spec) {
    Fields f = new Fields(spec.type());
    f.units = spec.units();
    if (spec instanceof LayerSpec.Dense d) {
      f.bias = d.bias();
      f.option(d.tanhCompressed(), TANH_COMPRESSED);
    } else if (spec instanceof LayerSpec.BinaryDenseSpec d) {
      f.bias = d.bias();
      f.quantizer = d.quantizer();
      f.scale = d.scale();
      f.option(d.activationScale(), ACTIVATION_SCALE);
    } else if (spec instanceof LayerSpec.Conv c) {
      f.bias = c.bias();
      f.window(c.window());
    } else if (spec instanceof LayerSpec.BinaryConv c) {
      f.bias = c.bias();
      f.quantizer = c.quantizer();
      f.scale = c.scale();
      f.window(c.window());
      f.option(c.activationScale(), ACTIVATION_SCALE);
    } else if (spec instanceof LayerSpec.Abc a) {
      f.window(a.window() == null ? new LayerSpec.Window(1, 1, 0) : a.window());
      f.weightBases = a.weightBases();
      f.activationBases = a.activationBases();
    } else if (spec instanceof LayerSpec.Pool p) {
      f.window(new LayerSpec.Window(p.pool(), p.stride(), 0));
    } else if (spec instanceof LayerSpec.Norm n) {
      f.epsilon = n.epsilon();
      f.momentum = n.momentum();
      f.option(n.shiftBased(), SHIFT_BASED);
    } else if (spec instanceof LayerSpec.Sign s) {
      f.quantizer = s.quantizer();
    } else if (spec instanceof LayerSpec.DropoutSpec d) {
      f.rate = d.rate();
    } else if (spec instanceof LayerSpec.Block b) {
      f.block = b.layers();
    }
    return f;
  }

  private static LayerSpec spec(Fields f) {
    return switch (f.type) {
      case "dense" -> new LayerSpec.Dense(f.units, f.bias, f.options.contains(TANH_COMPRESSED));
      case "binary_dense" -> new LayerSpec.BinaryDenseSpec(f.units, f.bias, f.quantizer, f.scale, f.options.contains(ACTIVATION_SCALE));
      case "conv2d" -> new LayerSpec.Conv(f.units, f.window(), f.bias);
      case "binary_conv2d" -> new LayerSpec.BinaryConv(f.units, f.window(), f.bias, f.quantizer, f.scale, f.options.contains(ACTIVATION_SCALE));
      case "abc_dense" -> new LayerSpec.Abc(f.units, null, f.weightBases, f.activationBases);
      case "abc_conv2d" -> new LayerSpec.Abc(f.units, f.window(), f.weightBases, f.activationBases);
      case "max_pool2d", "avg_pool2d" -> new LayerSpec.Pool(f.type.equals("max_pool2d"), f.kernel, f.stride);
      case "batch_norm" -> new LayerSpec.Norm(f.epsilon, f.momentum, f.options.contains(SHIFT_BASED));
      case "sign" -> new LayerSpec.Sign(f.quantizer);
      case "dropout" -> new LayerSpec.DropoutSpec(f.rate);
      case "residual" -> new LayerSpec.Block(f.block == null ? List.of() : f.block);
      default -> new LayerSpec.Plain(f.type);
    };
  }

  static void write(LayerSpec spec, DataOutput out) throws IOException {
    Fields f = fields(spec);
    out.writeUTF(f.type);
    out.writeInt(f.units);
    out.writeBoolean(f.bias);
    out.writeUTF(f.quantizer == null ? "" : f.quantizer.configName());
    out.writeUTF(f.scale == null ? "" : f.scale.configName());
    out.writeFloat(f.epsilon);
    out.writeFloat(f.momentum);
    out.writeFloat(f.rate);
    for (int v : new int[] {f.kernel, f.stride, f.padding, f.weightBases, f.activationBases}) {
      out.writeInt(v);
    }
    out.writeInt(f.options.size());
    for (String o : f.options) {
      out.writeUTF(o);
    }
    out.writeInt(f.block == null ? -1 : f.block.size());
    if (f.block != null) {
      for (LayerSpec b : f.block) {
        write(b, out);
      }
    }
  }

  static LayerSpec read(DataInput in, int depth) throws IOException {
    String type = in.readUTF();
    if (!LayerSpec.TYPES.contains(type)) {
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
    Fields f = new Fields(type);
    f.units = units;
    f.bias = bias;
    f.quantizer = q.isEmpty() ? null : Quantizer.byName(q);
    f.scale = s.isEmpty() ? null : BinaryDense.Scale.byName(s);
    f.epsilon = epsilon;
    f.momentum = momentum;
    f.rate = rate;
    f.kernel = ints[0];
    f.stride = ints[1];
    f.padding = ints[2];
    f.weightBases = ints[3];
    f.activationBases = ints[4];
    for (int i = 0; i < optionCount; i++) {
      f.options.add(in.readUTF());
    }
    int blockCount = in.readInt();
    if (blockCount < -1 || blockCount > 4096 || (blockCount >= 0 && depth >= 16)) {
      throw new IllegalArgumentException("block of " + blockCount + " layers at depth " + depth + " is out of range");
    }
    if (blockCount >= 0) {
      f.block = new ArrayList<>();
      for (int i = 0; i < blockCount; i++) {
        f.block.add(read(in, depth + 1));
      }
    }
    return spec(f);
  }
}
