package org.thinmeta.pdata.tm;

import java.io.IOException;

/**
 * A space map has no free block left ({@code out of metadata space} / {@code out of data space}).
 */
public final class OutOfSpaceException extends IOException {
  private static final long serialVersionUID = 1L;

  /** Creates the exception with its message. */
  public OutOfSpaceException(String message) {
    super(message);
  }
}
