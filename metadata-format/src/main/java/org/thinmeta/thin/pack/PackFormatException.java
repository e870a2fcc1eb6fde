package org.thinmeta.thin.pack;

import java.io.IOException;

/** A pack file that cannot be read: not a pack, unsupported, or corrupt. */
public final class PackFormatException extends IOException {
  private static final long serialVersionUID = 1L;

  /** Creates an exception with the one-line message to show. */
  public PackFormatException(String message) {
    super(message);
  }
}
