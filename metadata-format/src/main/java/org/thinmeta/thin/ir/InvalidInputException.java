package org.thinmeta.thin.ir;

import java.io.IOException;

/**
 * Input metadata (XML, or events from any source) that cannot be accepted: bad syntax, a missing
 * attribute, keys out of order, a block beyond the pool. Readers add where in the input it was.
 */
public class InvalidInputException extends IOException {
  private static final long serialVersionUID = 1L;

  /** Creates an exception with a one-line message. */
  public InvalidInputException(String message) {
    super(message);
  }
}
