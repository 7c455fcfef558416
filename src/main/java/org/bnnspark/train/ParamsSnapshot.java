package org.bnnspark.train;

import java.io.Serializable;

/**
 * What the driver sends the tasks of one round (or one evaluation): latent parameters, BatchNorm
 * state and, where the synchronization strategy shares it, the inner optimizer's state (empty
 * otherwise). Plain arrays, so it travels as bulk copies under Kryo and under Java serialization.
 */
public final class ParamsSnapshot implements Serializable {
  private static final long serialVersionUID = 2L;
  private static final float[] NONE = new float[0];
  public final float[] params;
  public final float[] state;
  public final float[] inner;

  public ParamsSnapshot(float[] params, float[] state) {
    this(params, state, NONE);
  }

  public ParamsSnapshot(float[] params, float[] state, float[] inner) {
    this.params = params;
    this.state = state;
    this.inner = inner;
  }

  /** Bytes of the arrays (what a task fetches). */
  public long bytes() {
    return 4L * (params.length + state.length + inner.length);
  }
}
