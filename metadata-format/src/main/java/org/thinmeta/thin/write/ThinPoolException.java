package org.thinmeta.thin.write;

import java.io.IOException;

/**
 * An operation the pool refuses before changing anything (unknown or existing device, a second
 * metadata snapshot, ...). The pool stays usable.
 */
public final class ThinPoolException extends IOException {
  private static final long serialVersionUID = 1L;

  /** Creates the exception with its message. */
  public ThinPoolException(String message) {
    super(message);
  }
}
