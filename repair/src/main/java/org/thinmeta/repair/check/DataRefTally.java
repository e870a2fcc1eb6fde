package org.thinmeta.repair.check;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Expected reference counts of data blocks, in memory proportional to the part of the data device
 * in use: one byte per block in lazily allocated regions of 65536 blocks, with counts of 255 and
 * more completed in a side table. Thread-safe.
 */
final class DataRefTally implements SpaceMapCheck.Expected {
  /** Data block numbers have 40 bits (format doc §3.5). */
  static final long MAX_BLOCKS = 1L << 40;

  static final int REGION_SHIFT = 16;
  static final int REGION_SIZE = 1 << REGION_SHIFT;
  private static final int DIR_SHIFT = 12;
  private static final int DIR_SIZE = 1 << DIR_SHIFT;
  private static final int SATURATED = 255;
  private static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  private final long nrBlocks;

  /**
   * Directories of regions. Read without synchronisation: a thread that sees null takes the lock
   * and looks again; array contents are zero for every thread from creation on, and counts are only
   * changed under the lock of their partition.
   */
  private final byte[][][] dirs;

  private final ConcurrentHashMap<Long, Long> above = new ConcurrentHashMap<>();

  /** Batches group increments by partition: {@code region >>> partitionShift}. */
  private final int partitionShift;

  private final Object[] partitionLocks;

  DataRefTally(long nrBlocks) {
    if (nrBlocks < 0 || nrBlocks > MAX_BLOCKS) {
      throw new IllegalArgumentException("nrBlocks (" + nrBlocks + ") out of range");
    }
    this.nrBlocks = nrBlocks;
    long regions = (nrBlocks + REGION_SIZE - 1) >>> REGION_SHIFT;
    this.dirs = new byte[(int) ((regions + DIR_SIZE - 1) >>> DIR_SHIFT)][][];
    int shift = 0;
    while ((regions >>> shift) > MAX_PARTITIONS) {
      shift++;
    }
    this.partitionShift = shift;
    this.partitionLocks = new Object[(int) (regions >>> shift) + 1];
    for (int i = 0; i < partitionLocks.length; i++) {
      partitionLocks[i] = new Object();
    }
  }

  private static final int MAX_PARTITIONS = 1024;

  /** Increments one thread may hold back before applying them (8 MiB of block numbers). */
  private static final int BATCH = 1 << 20;

  /**
   * Increments collected by one thread in one buffer per partition, each applied under its
   * partition's lock when full: the partition's counts are then in cache and no atomic operation is
   * needed per increment. Not thread-safe: one per thread; {@link #flush} before reading the tally.
   */
  final class Batch {
    private final int shift = REGION_SHIFT + partitionShift;

    /**
     * Increments held per partition: a share of {@link #BATCH}, but never more than the blocks a
     * partition covers (a small pool's one partition would otherwise get 8 MiB per thread, whose
     * allocation was most of a tiny pool's check).
     */
    private final int capacity =
        (int)
            Math.max(
                256,
                Math.min(
                    BATCH / partitionLocks.length,
                    Math.min(nrBlocks, (long) REGION_SIZE << partitionShift)));

    private final long[][] parts = new long[partitionLocks.length][];
    private final int[] sizes = new int[partitionLocks.length];

    /** Counts one more reference to {@code block} (below {@link #nrBlocks}). */
    void add(long block) {
      int p = (int) (block >>> shift);
      long[] buf = parts[p];
      if (buf == null) {
        buf = parts[p] = new long[capacity];
      }
      int k = sizes[p];
      buf[k++] = block;
      sizes[p] = k;
      if (k == capacity) {
        apply(p);
      }
    }

    /**
     * Counts the data blocks of packed mapping values ({@code value >>> 24}) below {@code limit};
     * returns how many are not (those are not counted).
     */
    long addMappings(long[] values, int count, long limit) {
      long bad = 0;
      for (int i = 0; i < count; i++) {
        long b = values[i] >>> 24;
        if (b >= limit) {
          bad++;
        } else {
          add(b);
        }
      }
      return bad;
    }

    /** Applies every increment collected so far. */
    void flush() {
      for (int p = 0; p < parts.length; p++) {
        if (sizes[p] > 0) {
          apply(p);
        }
      }
    }

    private void apply(int p) {
      long[] buf = parts[p];
      int n = sizes[p];
      synchronized (partitionLocks[p]) {
        long current = -1;
        byte[] r = null;
        for (int i = 0; i < n; i++) {
          long b = buf[i];
          long reg = b >>> REGION_SHIFT;
          if (reg != current) {
            r = region(reg);
            current = reg;
          }
          int j = (int) b & (REGION_SIZE - 1);
          int v = r[j] & 0xFF;
          if (v == SATURATED) {
            above.merge(b, 1L, Long::sum);
          } else {
            r[j] = (byte) (v + 1);
          }
        }
      }
      sizes[p] = 0;
    }
  }

  /** A new batch for one thread. */
  Batch batch() {
    return new Batch();
  }

  /** Number of data blocks. */
  long nrBlocks() {
    return nrBlocks;
  }

  @Override
  public long get(long block) {
    byte[] r = regionOrNull(block >>> REGION_SHIFT);
    if (r == null) {
      return 0;
    }
    int v = r[(int) block & (REGION_SIZE - 1)] & 0xFF;
    return v == SATURATED ? SATURATED + above.getOrDefault(block, 0L) : v;
  }

  @Override
  public boolean encode(long first, long[] out) {
    byte[] r = regionOrNull(first >>> REGION_SHIFT);
    if (r == null) {
      out[0] = 0;
      return true;
    }
    int off = (int) first & (REGION_SIZE - 1);
    if ((long) LONGS.get(r, off) == 0
        && (long) LONGS.get(r, off + 8) == 0
        && (long) LONGS.get(r, off + 16) == 0
        && (long) LONGS.get(r, off + 24) == 0) {
      out[0] = 0;
      return true;
    }
    long word = 0;
    for (int j = 0; j < 32; j++) {
      int v = r[off + j];
      if (v == 0) {
        continue;
      }
      if (v == 1) {
        word |= 2L << (2 * j);
      } else if (v == 2) {
        word |= 1L << (2 * j);
      } else {
        return false;
      }
    }
    out[0] = word;
    return true;
  }

  /** Bytes of memory the counts use. */
  long memoryUsed() {
    long n = 0;
    for (byte[][] dir : dirs) {
      if (dir != null) {
        for (byte[] r : dir) {
          n += r == null ? 0 : REGION_SIZE;
        }
      }
    }
    return n;
  }

  private byte[] regionOrNull(long index) {
    byte[][] dir = dirs[(int) (index >>> DIR_SHIFT)];
    return dir == null ? null : dir[(int) index & (DIR_SIZE - 1)];
  }

  private byte[] region(long index) {
    byte[] r = regionOrNull(index);
    return r != null ? r : create(index);
  }

  private synchronized byte[] create(long index) {
    int d = (int) (index >>> DIR_SHIFT);
    if (dirs[d] == null) {
      dirs[d] = new byte[DIR_SIZE][];
    }
    int i = (int) index & (DIR_SIZE - 1);
    if (dirs[d][i] == null) {
      dirs[d][i] = new byte[REGION_SIZE];
    }
    return dirs[d][i];
  }
}
