package org.bnnspark.spark;

import java.io.IOException;
import java.io.InputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.bnnspark.inference.PackedModel;
import org.bnnspark.inference.PackedModelFile;
import org.bnnspark.nn.Network;
import org.bnnspark.train.NetworkFile;

/**
 * Finds and reads the model a scoring, evaluation or inspection job was pointed at: a training
 * output directory, its packed {@code model.xnor}, or its trained network {@code model.bnn} (compiled
 * to the packed model on the fly). Files are recognized by their magic number, not their name.
 */
public final class ModelFiles {
  private ModelFiles() {}

  /** The engines a job can score with. */
  public static final java.util.List<String> ENGINES = java.util.List.of("packed", "float");

  /** Loads the model at {@code path} for {@code engine} ({@code packed} or {@code float}). */
  public static ScoringModel load(String path, String engine, Configuration conf) throws IOException {
    Path p = resolve(path, engine.equals("packed") ? OutputDir.PACKED_MODEL : OutputDir.MODEL, conf);
    FileSystem fs = p.getFileSystem(conf);
    byte[] bytes;
    try (InputStream in = fs.open(p)) {
      bytes = in.readAllBytes();
    }
    String source = p.toString();
    if (PackedModelFile.looksLikePackedModel(bytes)) {
      if (engine.equals("float")) {
        throw new DataFormatException(source + ": a packed model has no float network; the float engine needs the "
            + "training output directory or its " + OutputDir.MODEL);
      }
      return ScoringModel.packed(PackedModelFile.fromBytes(bytes, source));
    }
    NetworkFile.Model m = NetworkFile.readModel(new java.io.ByteArrayInputStream(bytes), source);
    if (engine.equals("float")) {
      return ScoringModel.graph(m.config(), m.params(), m.state());
    }
    return ScoringModel.packed(PackedModel.compile(new Network(m.config().network()), m.params(), m.state(),
        m.config().name(), m.config().text()));
  }

  /** The trained network (not the packed model) at {@code path}: a training output directory or its model file. */
  public static NetworkFile.Model trainedNetwork(String path, Configuration conf) throws IOException {
    Path p = resolve(path, OutputDir.MODEL, conf);
    try (InputStream in = p.getFileSystem(conf).open(p)) {
      return NetworkFile.readModel(in, p.toString());
    }
  }

  /** {@code path} itself, or the file {@code name} in it when it is a (training output) directory. */
  private static Path resolve(String path, String name, Configuration conf) throws IOException {
    Path p = new Path(path);
    FileSystem fs = p.getFileSystem(conf);
    if (!fs.exists(p)) {
      throw new DataFormatException(path + ": no such model file or directory");
    }
    if (!fs.getFileStatus(p).isDirectory()) {
      return p;
    }
    Path file = new Path(p, name);
    if (!fs.exists(file)) {
      throw new DataFormatException(path + ": a training output directory should hold " + name + " (is the training finished?)");
    }
    return file;
  }

  /** The directory a model path lives in (the path itself for a directory). */
  public static Path directoryOf(String path, Configuration conf) throws IOException {
    Path p = new Path(path);
    return p.getFileSystem(conf).getFileStatus(p).isDirectory() ? p : p.getParent();
  }
}
