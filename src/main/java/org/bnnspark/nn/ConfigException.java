package org.bnnspark.nn;

/** A configuration that cannot be used; the message names the source and the offending field. */
public final class ConfigException extends IllegalArgumentException {
  public ConfigException(String message) {
    super(message);
  }
}
