package org.bnnspark.spark;

/** The driver's parameters and state as broadcast to the tasks of one step (or one evaluation). */
public final class ParamsSnapshot {
  public final float[] params;
  public final float[] state;

  public ParamsSnapshot(float[] params, float[] state) {
    this.params = params;
    this.state = state;
  }
}
