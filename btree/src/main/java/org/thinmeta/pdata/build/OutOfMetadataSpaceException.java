package org.thinmeta.pdata.build;

import java.io.IOException;

/** Thrown when a bulk writer needs more metadata blocks than the output holds. */
public final class OutOfMetadataSpaceException extends IOException {
  private static final long serialVersionUID = 1L;

  /** The message the tools print: {@code out of metadata space}. */
  public static final String MESSAGE = "out of metadata space";

  /** Creates the exception with the standard message. */
  public OutOfMetadataSpaceException() {
    super(MESSAGE);
  }
}
