package org.bnnspark.inference;

import org.bnnspark.inference.PackedModel.Representation;
import org.bnnspark.nn.Context;
import org.bnnspark.nn.Layer;

/**
 * A layer kept in the training graph's form ({@link PackedStage.Graph}): rebuilt once per scorer
 * from its configuration, run by its own forward in inference mode over the stage's parameters
 * and state. Real in, real out.
 */
final class GraphOp extends StageOp {
  private final Layer layer;
  private final Context context;
  private float[] unpacked = new float[0];

  GraphOp(PackedStage st, Representation input) {
    super(st, input);
    layer = st.graph().layer(st.inShape());
    context = Context.inference(st.graph().params(), st.graph().state());
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
    return "GraphOp(" + st.graph().spec().type() + ")";
  }
}
