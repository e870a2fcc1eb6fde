package org.thinmeta.cli.support;

/** A runtime failure with the one-line message to print and the exit status to return. */
public final class ToolException extends Exception {
  private static final long serialVersionUID = 1L;

  private final int status;

  /** A failure exiting {@link ExitStatus#FAILURE}. */
  public ToolException(String message) {
    this(message, ExitStatus.FAILURE);
  }

  /** A failure exiting {@code status}. */
  public ToolException(String message, int status) {
    super(message);
    this.status = status;
  }

  /** The exit status. */
  public int status() {
    return status;
  }
}
