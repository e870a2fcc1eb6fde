package org.thinmeta.repair.check;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Expected reference counts of data blocks, in memory proportional to the part of the data device
 * in use: one byte per block in lazily allocated regions of 65536 blocks, with counts above 254 in
 * a side table. Thread-safe.
 */
final class DataRefTally {
  /** Data block numbers have 40 bits (format doc §3.5). */
  static final long MAX_BLOCKS = 1L << 40;

  static final int REGION_SHIFT = 16;
  static final int REGION_SIZE = 1 << REGION_SHIFT;
  private static final int DIR_SHIFT = 12;
  private static final int DIR_SIZE = 1 << DIR_SHIFT;
  private static final int SATURATED = 255;
  private static final VarHandle BYTES = MethodHandles.arrayElementVarHandle(byte[].class);

  private final long nrBlocks;
  private final AtomicReferenceArray<AtomicReferenceArray<byte[]>> dirs;
  private final ConcurrentHashMap<Long, Long> above = new ConcurrentHashMap<>();

  DataRefTally(long nrBlocks) {
    if (nrBlocks < 0 || nrBlocks > MAX_BLOCKS) {
      throw new IllegalArgumentException("nrBlocks (" + nrBlocks + ") out of range");
    }
    this.nrBlocks = nrBlocks;
    long regions = (nrBlocks + REGION_SIZE - 1) >>> REGION_SHIFT;
    this.dirs = new AtomicReferenceArray<>((int) ((regions + DIR_SIZE - 1) >>> DIR_SHIFT));
  }

  /** Number of data blocks. */
  long nrBlocks() {
    return nrBlocks;
  }

  /** Counts one more reference to {@code block}, which must be below {@link #nrBlocks}. */
  void inc(long block) {
    byte[] r = region(block >>> REGION_SHIFT, true);
    int i = (int) (block & (REGION_SIZE - 1));
    while (true) {
      int v = ((byte) BYTES.getVolatile(r, i)) & 0xFF;
      if (v == SATURATED) {
        above.merge(block, 1L, Long::sum);
        return;
      }
      if (BYTES.compareAndSet(r, i, (byte) v, (byte) (v + 1))) {
        return;
      }
    }
  }

  /** The expected count of {@code block}. */
  long get(long block) {
    byte[] r = region(block >>> REGION_SHIFT, false);
    if (r == null) {
      return 0;
    }
    int v = r[(int) (block & (REGION_SIZE - 1))] & 0xFF;
    return v == SATURATED ? SATURATED + above.getOrDefault(block, 0L) : v;
  }

  /** The counts of region {@code index} (bytes, 255 = look up with {@link #get}), or null. */
  byte[] regionOrNull(long index) {
    return region(index, false);
  }

  /** Bytes of memory the counts use. */
  long memoryUsed() {
    long n = 0;
    for (int d = 0; d < dirs.length(); d++) {
      AtomicReferenceArray<byte[]> dir = dirs.get(d);
      if (dir != null) {
        for (int i = 0; i < dir.length(); i++) {
          if (dir.get(i) != null) {
            n += REGION_SIZE;
          }
        }
      }
    }
    return n;
  }

  private byte[] region(long index, boolean create) {
    int d = (int) (index >>> DIR_SHIFT);
    AtomicReferenceArray<byte[]> dir = dirs.get(d);
    if (dir == null) {
      if (!create) {
        return null;
      }
      dirs.compareAndSet(d, null, new AtomicReferenceArray<>(DIR_SIZE));
      dir = dirs.get(d);
    }
    int i = (int) (index & (DIR_SIZE - 1));
    byte[] r = dir.get(i);
    if (r == null && create) {
      dir.compareAndSet(i, null, new byte[REGION_SIZE]);
      r = dir.get(i);
    }
    return r;
  }
}
