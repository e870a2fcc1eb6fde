package org.thinmeta.cli.support;

/** Exit codes of the current reference tools (format doc §7.5). */
public final class ExitStatus {
  /** Success. */
  public static final int OK = 0;

  /** Command-line parsing error: unknown option, missing or conflicting arguments. */
  public static final int USAGE = 2;

  /** Any runtime failure. */
  public static final int FAILURE = 64;

  /** thin_trim: the metadata check before trimming failed. */
  public static final int CHECK_FAILED = 65;

  private ExitStatus() {}
}
