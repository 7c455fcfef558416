package org.bnnspark.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LayerSpecTest {

  private static byte[] resource(String name) throws IOException {
    try (InputStream in = LayerSpecTest.class.getResourceAsStream("/legacy-models/" + name)) {
      return in.readAllBytes();
    }
  }

  /**
   * Every layer type's configuration (legacy-models/layer-specs.jsonl) is written as the bytes the build
   * before the per-type records wrote (layer-specs.bin, as format 3's graph stages hold them), and
   * those bytes read back as the parsed spec.
   */
  @Test
  void specsWriteTheBytesOfEarlierBuildsAndReadBack() throws IOException {
    List<LayerSpec> specs = new ArrayList<>();
    for (String line : new String(resource("layer-specs.jsonl"), StandardCharsets.UTF_8).split("\n")) {
      if (!line.isBlank()) {
        specs.add(LayerSpec.parse(ConfigNode.parse(line, "layer-specs.jsonl")));
      }
    }
    assertEquals(LayerSpec.TYPES.size(), specs.stream().map(LayerSpec::type).distinct().count(), "every type is covered");
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    for (LayerSpec s : specs) {
      s.write(out);
    }
    byte[] earlier = resource("layer-specs.bin");
    assertArrayEquals(earlier, bytes.toByteArray());
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(earlier));
    for (LayerSpec s : specs) {
      assertEquals(s, LayerSpec.read(in));
    }
    assertEquals(0, in.available());
  }

  @Test
  void widthScalingChangesUnitsOnly() {
    LayerSpec block = LayerSpec.parse(ConfigNode.parse(
        "{\"type\": \"residual\", \"layers\": [{\"type\": \"binary_conv2d\", \"filters\": 8, \"kernel\": 3, \"padding\": 1}, {\"type\": \"relu\"}]}", "t"));
    LayerSpec wide = block.withUnits(32);
    assertEquals(32, ((LayerSpec.Block) wide).layers().get(0).units());
    assertEquals(((LayerSpec.BinaryConv) ((LayerSpec.Block) block).layers().get(0)).window(),
        ((LayerSpec.BinaryConv) ((LayerSpec.Block) wide).layers().get(0)).window());
    assertEquals(new LayerSpec.Plain("relu"), ((LayerSpec.Block) wide).layers().get(1));
  }
}
