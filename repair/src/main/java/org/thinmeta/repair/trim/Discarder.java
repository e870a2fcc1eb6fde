package org.thinmeta.repair.trim;

import java.io.IOException;

/** Gives byte ranges of a data device back to the storage below it. */
@FunctionalInterface
public interface Discarder {
  /** Discards {@code length} bytes from {@code offset}. */
  void discard(long offset, long length) throws IOException;
}
