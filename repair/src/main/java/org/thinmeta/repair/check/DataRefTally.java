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
  private static final int BATCH = 1 << 16;

  /**
   * Increments collected by one thread, applied in groups of nearby blocks so that each group's
   * counts stay in cache and are updated under one lock instead of one atomic operation each. Not
   * thread-safe: one per thread; {@link #flush} before reading the tally.
   */
  final class Batch {
    private final long[] blocks = new long[BATCH];
    private final long[] sorted = new long[BATCH];
    private final int[] starts = new int[partitionLocks.length + 1];
    private int n;

    /** Counts one more reference to {@code block} (below {@link #nrBlocks}). */
    void add(long block) {
      blocks[n++] = block;
      if (n == BATCH) {
        flush();
      }
    }

    /**
     * Counts the data blocks of packed mapping values ({@code value >>> 24}) below {@code limit};
     * returns how many are not (those are not counted).
     */
    long addMappings(long[] values, int count, long limit) {
      long bad = 0;
      long[] buf = blocks;
      int k = n;
      for (int i = 0; i < count; i++) {
        long b = values[i] >>> 24;
        if (b >= limit) {
          bad++;
          continue;
        }
        buf[k++] = b;
        if (k == BATCH) {
          n = k;
          flush();
          k = 0;
        }
      }
      n = k;
      return bad;
    }

    /** Applies every increment collected so far. */
    void flush() {
      int shift = REGION_SHIFT + partitionShift;
      int parts = partitionLocks.length;
      java.util.Arrays.fill(starts, 0);
      for (int i = 0; i < n; i++) {
        starts[(int) (blocks[i] >>> shift) + 1]++;
      }
      for (int p = 0; p < parts; p++) {
        starts[p + 1] += starts[p];
      }
      int[] pos = starts.clone();
      for (int i = 0; i < n; i++) {
        long b = blocks[i];
        sorted[pos[(int) (b >>> shift)]++] = b;
      }
      for (int p = 0; p < parts; p++) {
        int from = starts[p];
        int to = starts[p + 1];
        if (from == to) {
          continue;
        }
        synchronized (partitionLocks[p]) {
          long current = -1;
          byte[] r = null;
          for (int i = from; i < to; i++) {
            long b = sorted[i];
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
      }
      n = 0;
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
