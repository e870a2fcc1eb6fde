package org.thinmeta.repair.check;

import java.util.concurrent.atomic.AtomicIntegerArray;
import org.thinmeta.pdata.btree.RefSink;

/** Expected reference counts of metadata blocks (at most 4,161,600 of them), thread-safe. */
final class MetadataRefTally implements RefSink {
  private final AtomicIntegerArray counts;

  MetadataRefTally(long nrBlocks) {
    counts = new AtomicIntegerArray(Math.toIntExact(nrBlocks));
  }

  /** Number of blocks tracked. */
  long nrBlocks() {
    return counts.length();
  }

  @Override
  public void inc(long location) {
    if (location >= 0 && location < counts.length()) {
      counts.incrementAndGet((int) location);
    }
  }

  /** The expected count of {@code location}. */
  long get(long location) {
    return Integer.toUnsignedLong(counts.get((int) location));
  }
}
