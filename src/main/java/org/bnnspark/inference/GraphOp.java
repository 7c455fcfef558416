package org.bnnspark.inference;

import org.bnnspark.inference.PackedModel.Representation;
import org.bnnspark.nn.Context;
import org.bnnspark.nn.Layer;

/**
 * A layer kept in the training graph's form ({@link StageProduct.Graph}): rebuilt once per scorer
 * from its configuration, run by its own forward in inference mode over the stage's parameters
 * and state. Real in, real out.
 */
final class GraphOp extends StageOp {
  private final Layer layer;
  private final Context context;
  private float[] unpacked = new float[0];

  private final String type;

  GraphOp(PackedStage st, Representation input, StageProduct.Graph graph) {
    super(st, input);
    layer = graph.layer(st.inShape());
    context = Context.inference(graph.params(), graph.state());
    type = graph.spec().type();
  }

  @Override
  void allocate(int n) {
    unpacked = input == Representation.BITS ? new float[n * st.in()] : unpacked;
    out.floats = new float[n * st.out()];
  }

  @Override
  void compute(Activations in, int n) {
    layer.forward(context, floatsOf(in, n, unpacked), out.floats, n);
  }

  @Override
  String name() {
    return "GraphOp(" + type + ")";
  }
}
