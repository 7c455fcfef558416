package org.bnnspark.cli;

/** Lets tests in other packages see the one-line message a job would print. */
public final class JobMainAccess {
  private JobMainAccess() {}

  public static String explain(Throwable e) {
    return JobMain.explain(e);
  }
}
