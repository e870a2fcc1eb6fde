package org.thinmeta.pdata.build;

import java.util.HashMap;
import java.util.Map;
import org.thinmeta.pdata.spacemap.Bitmap;

/**
 * In-memory reference counts of data blocks. Memory grows with the regions (of one bitmap's 16320
 * blocks) that hold a counted block, not with the pool size: a region's array is allocated on its
 * first reference. Counts up to 254 live in a byte; larger ones in a side map.
 */
public final class DataCounts {
  private static final int REGION = Bitmap.ENTRIES_PER_BLOCK;
  private static final int BIG = 255;

  private final long nrBlocks;
  private final byte[][] regions;
  private final Map<Long, Long> big = new HashMap<>();
  private long allocated;

  /**
   * Counts for {@code nrBlocks} data blocks, all zero.
   *
   * @throws IllegalArgumentException if the region table would not fit in an array
   */
  public DataCounts(long nrBlocks) {
    long nrRegions = (nrBlocks + REGION - 1) / REGION;
    if (nrBlocks < 0 || nrRegions > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("too many data blocks: " + nrBlocks);
    }
    this.nrBlocks = nrBlocks;
    this.regions = new byte[(int) nrRegions][];
  }

  /** The number of data blocks tracked. */
  public long nrBlocks() {
    return nrBlocks;
  }

  /** Number of blocks with a non-zero count. */
  public long nrAllocated() {
    return allocated;
  }

  /** Number of regions (bitmaps) covering {@link #nrBlocks}. */
  public int nrRegions() {
    return regions.length;
  }

  /** The count of {@code block} (which must be below {@link #nrBlocks}). */
  public long get(long block) {
    byte[] r = regions[(int) (block / REGION)];
    if (r == null) {
      return 0;
    }
    int v = r[(int) (block % REGION)] & 0xff;
    return v == BIG ? big.get(block) : v;
  }

  /** Adds one reference to {@code block} (which must be below {@link #nrBlocks}). */
  public void inc(long block) {
    int ri = (int) (block / REGION);
    byte[] r = regions[ri];
    if (r == null) {
      r = new byte[REGION];
      regions[ri] = r;
    }
    int i = (int) (block % REGION);
    int v = r[i] & 0xff;
    if (v < BIG - 1) {
      if (v == 0) {
        allocated++;
      }
      r[i] = (byte) (v + 1);
    } else if (v == BIG - 1) {
      r[i] = (byte) BIG;
      big.put(block, (long) BIG);
    } else {
      big.merge(block, 1L, Long::sum);
    }
  }

  /** Drops one reference to {@code block}. */
  public void dec(long block) {
    byte[] r = regions[(int) (block / REGION)];
    int i = (int) (block % REGION);
    int v = r == null ? 0 : r[i] & 0xff;
    if (v == 0) {
      throw new IllegalStateException("data block " + block + " has no reference to drop");
    }
    if (v < BIG) {
      r[i] = (byte) (v - 1);
      if (v == 1) {
        allocated--;
      }
      return;
    }
    long c = big.get(block) - 1;
    if (c < BIG) {
      big.remove(block);
      r[i] = (byte) c;
    } else {
      big.put(block, c);
    }
  }

  /**
   * Copies the counts of region {@code index} (blocks {@code index * 16320 ...}) into {@code out}
   * and returns false if the region holds no reference (out is then untouched).
   */
  boolean region(int index, long[] out) {
    byte[] r = regions[index];
    if (r == null) {
      return false;
    }
    long base = (long) index * REGION;
    for (int i = 0; i < REGION; i++) {
      int v = r[i] & 0xff;
      out[i] = v == BIG ? big.get(base + i) : v;
    }
    return true;
  }
}
