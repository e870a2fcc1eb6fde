package org.thinmeta.pdata.btree;

/** Receives one reference to a metadata block for every pointer a walk follows. */
@FunctionalInterface
public interface RefSink {
  /** Counts one more reference to {@code location}. Must be thread-safe for parallel walks. */
  void inc(long location);
}
