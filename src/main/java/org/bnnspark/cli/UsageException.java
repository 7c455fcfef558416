package org.bnnspark.cli;

/** A command-line mistake: printed as one line, exit code 2. */
public final class UsageException extends RuntimeException {
  public UsageException(String message) {
    super(message);
  }
}
