package org.bnnspark.train;

import java.io.Serializable;
import java.util.Set;
import org.bnnspark.nn.ConfigNode;
import org.bnnspark.nn.NetworkSpec;

/**
 * A configuration file: {@code {"name": ..., "network": {...}, "training": {...}}}. The original text
 * is kept and saved with every model and checkpoint, so a model always carries the description it
 * was trained from.
 */
public record ModelConfig(String name, NetworkSpec network, TrainingSpec training, String text) implements Serializable {

  public static ModelConfig parse(String text, String source) {
    ConfigNode root = ConfigNode.parse(text, source);
    root.allowOnly(Set.of("name", "description", "network", "training"));
    return new ModelConfig(root.string("name", "unnamed"), NetworkSpec.parse(root.object("network")),
        TrainingSpec.parse(root.objectOrEmpty("training")), text);
  }

  public ModelConfig withTraining(TrainingSpec t) {
    return new ModelConfig(name, network, t, text);
  }

  /** The same configuration with another network (the text stays the file's, as for training overrides). */
  public ModelConfig withNetwork(NetworkSpec n) {
    return new ModelConfig(name, n, training, text);
  }
}
