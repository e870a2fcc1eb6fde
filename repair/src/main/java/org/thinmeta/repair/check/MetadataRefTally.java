package org.thinmeta.repair.check;

import java.util.concurrent.atomic.AtomicIntegerArray;
import org.thinmeta.pdata.btree.RefSink;

/** Expected reference counts of metadata blocks (at most 4,161,600 of them), thread-safe. */
final class MetadataRefTally implements RefSink, SpaceMapCheck.Expected {
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

  @Override
  public long get(long location) {
    return Integer.toUnsignedLong(counts.get((int) location));
  }

  @Override
  public boolean encode(long first, long[] out) {
    long word = 0;
    for (int j = 0; j < 32; j++) {
      int v = counts.get((int) first + j);
      if (v == 1) {
        word |= 2L << (2 * j);
      } else if (v == 2) {
        word |= 1L << (2 * j);
      } else if (v != 0) {
        return false;
      }
    }
    out[0] = word;
    return true;
  }
}
