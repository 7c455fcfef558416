package org.bnnspark.spark;

/** Input that cannot be used; the message names the file and, where it applies, the row and column. */
public final class DataFormatException extends RuntimeException {
  public DataFormatException(String message) {
    super(message);
  }

  public DataFormatException(String message, Throwable cause) {
    super(message, cause);
  }
}
