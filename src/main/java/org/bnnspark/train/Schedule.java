package org.bnnspark.train;

import java.io.Serializable;

/**
 * Learning rate as a function of the global step ({@code step} counts from 0; {@code totalSteps} is
 * the whole run's):
 * <ul>
 *   <li>{@code constant}: {@code lr};</li>
 *   <li>{@code step}: {@code lr · γ^⌊epoch / every⌋};</li>
 *   <li>{@code exponential}: {@code lr · γ^(step / stepsPerEpoch)} (γ per epoch, smooth);</li>
 *   <li>{@code cosine}: {@code min + (lr − min)(1 + cos(π step / totalSteps)) / 2}.</li>
 * </ul>
 */
public record Schedule(String type, double lr, double gamma, int every, double min) implements Serializable {
  public static final java.util.List<String> TYPES = java.util.List.of("constant", "step", "exponential", "cosine");

  public float at(long step, long totalSteps, long stepsPerEpoch) {
    double rate = switch (type) {
      case "constant" -> lr;
      case "step" -> lr * StrictMath.pow(gamma, Math.floor((double) (step / stepsPerEpoch) / every));
      case "exponential" -> lr * StrictMath.pow(gamma, (double) step / stepsPerEpoch);
      case "cosine" -> min + (lr - min) * (1 + StrictMath.cos(Math.PI * Math.min(step, totalSteps) / totalSteps)) / 2;
      default -> throw new IllegalStateException(type);
    };
    return (float) rate;
  }
}
