package org.thinmeta.pdata.build;

import java.util.HashMap;
import java.util.Map;
import org.thinmeta.pdata.spacemap.Bitmap;

/**
 * In-memory reference counts of data blocks. Memory grows with the blocks counted, not with the
 * pool size: each region (one bitmap's 16320 blocks) starts without storage, holds its first
 * counted blocks in a small open-addressing table, and becomes a dense byte array once the table
 * would be as large. Counts up to 254 live in the region; larger ones in a side map.
 */
public final class DataCounts {
  private static final int REGION = Bitmap.ENTRIES_PER_BLOCK;
  private static final int BIG = 255;

  /** A sparse region turns dense when its table would reach this many ints (16 KiB). */
  private static final int MAX_SPARSE_SLOTS = 4096;

  private static final int INITIAL_SLOTS = 16;

  private final long nrBlocks;

  /** Per region: null, a byte[] (dense) or an int[] table of (offset + 1) << 8 | count. */
  private final Object[] regions;

  /** Entries in use in each sparse region's table. */
  private final short[] sparseSize;

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
    this.regions = new Object[(int) nrRegions];
    this.sparseSize = new short[(int) nrRegions];
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
    int ri = (int) (block / REGION);
    int off = (int) (block % REGION);
    Object r = regions[ri];
    int v;
    if (r == null) {
      return 0;
    } else if (r instanceof byte[] dense) {
      v = dense[off] & 0xff;
    } else {
      int[] t = (int[]) r;
      int slot = find(t, off);
      v = t[slot] == 0 ? 0 : t[slot] & 0xff;
    }
    return v == BIG ? big.get(block) : v;
  }

  /**
   * Adds one reference to each of {@code length} blocks from {@code first} (all below nrBlocks).
   */
  public void incRange(long first, long length) {
    long b = first;
    long end = first + length;
    while (b < end) {
      int ri = (int) (b / REGION);
      int off = (int) (b % REGION);
      int n = (int) Math.min(REGION - off, end - b);
      if (regions[ri] instanceof byte[] dense) {
        for (int i = 0; i < n; i++) {
          int v = dense[off + i] & 0xff;
          if (v == 0) {
            allocated++;
            dense[off + i] = 1;
          } else {
            dense[off + i] = (byte) incremented(b + i, v);
          }
        }
      } else {
        for (int i = 0; i < n; i++) {
          inc(ri, off + i, b + i);
        }
      }
      b += n;
    }
  }

  /** Adds one reference to {@code block} (which must be below {@link #nrBlocks}). */
  public void inc(long block) {
    inc((int) (block / REGION), (int) (block % REGION), block);
  }

  private void inc(int ri, int off, long block) {
    Object r = regions[ri];
    if (r instanceof byte[] dense) {
      dense[off] = (byte) incremented(block, dense[off] & 0xff);
      return;
    }
    int[] t = (int[]) r;
    if (t == null) {
      t = new int[INITIAL_SLOTS];
      regions[ri] = t;
    }
    int slot = find(t, off);
    if (t[slot] != 0) {
      t[slot] = (t[slot] & ~0xff) | incremented(block, t[slot] & 0xff);
      return;
    }
    if (2 * (sparseSize[ri] + 1) > t.length) {
      if (2 * t.length > MAX_SPARSE_SLOTS) {
        byte[] dense = toDense(t);
        regions[ri] = dense;
        dense[off] = (byte) incremented(block, 0);
        return;
      }
      t = rehash(t, 2 * t.length);
      regions[ri] = t;
      slot = find(t, off);
    }
    t[slot] = ((off + 1) << 8) | incremented(block, 0);
    sparseSize[ri]++;
  }

  /** Drops one reference to {@code block}. */
  public void dec(long block) {
    int ri = (int) (block / REGION);
    int off = (int) (block % REGION);
    Object r = regions[ri];
    if (r instanceof byte[] dense) {
      dense[off] = (byte) decremented(block, dense[off] & 0xff);
      return;
    }
    int[] t = (int[]) r;
    int slot = t == null ? -1 : find(t, off);
    if (slot < 0 || t[slot] == 0) {
      decremented(block, 0);
      return;
    }
    // A zero count stays in the table as an entry: cheaper than deletion, and dec is rare.
    t[slot] = (t[slot] & ~0xff) | decremented(block, t[slot] & 0xff);
  }

  private int incremented(long block, int v) {
    if (v < BIG - 1) {
      if (v == 0) {
        allocated++;
      }
      return v + 1;
    }
    if (v == BIG - 1) {
      big.put(block, (long) BIG);
    } else {
      big.merge(block, 1L, Long::sum);
    }
    return BIG;
  }

  private int decremented(long block, int v) {
    if (v == 0) {
      throw new IllegalStateException("data block " + block + " has no reference to drop");
    }
    if (v < BIG) {
      if (v == 1) {
        allocated--;
      }
      return v - 1;
    }
    long c = big.get(block) - 1;
    if (c < BIG) {
      big.remove(block);
      return (int) c;
    }
    big.put(block, c);
    return BIG;
  }

  /** The slot holding {@code off}, or the empty slot where it would go (linear probing). */
  private static int find(int[] t, int off) {
    int mask = t.length - 1;
    int key = off + 1;
    // Groups of 8 neighbouring offsets hash together into neighbouring slots: runs of mappings
    // count neighbouring data blocks, and then stay within a cache line or two.
    int i = ((((off >>> 3) * 0x9E3779B1) >>> 11) << 3 | (off & 7)) & mask;
    while (t[i] != 0 && (t[i] >>> 8) != key) {
      i = (i + 1) & mask;
    }
    return i;
  }

  private static int[] rehash(int[] t, int slots) {
    int[] n = new int[slots];
    for (int e : t) {
      if (e != 0) {
        n[find(n, (e >>> 8) - 1)] = e;
      }
    }
    return n;
  }

  private static byte[] toDense(int[] t) {
    byte[] d = new byte[REGION];
    for (int e : t) {
      if (e != 0) {
        d[(e >>> 8) - 1] = (byte) (e & 0xff);
      }
    }
    return d;
  }

  /**
   * Copies the counts of region {@code index} (blocks {@code index * 16320 ...}) into {@code out}
   * and returns false if the region never held a reference (out is then untouched).
   */
  boolean region(int index, long[] out) {
    Object r = regions[index];
    if (r == null) {
      return false;
    }
    long base = (long) index * REGION;
    if (r instanceof byte[] dense) {
      for (int i = 0; i < REGION; i++) {
        int v = dense[i] & 0xff;
        out[i] = v == BIG ? big.get(base + i) : v;
      }
      return true;
    }
    java.util.Arrays.fill(out, 0);
    for (int e : (int[]) r) {
      if (e != 0) {
        int off = (e >>> 8) - 1;
        int v = e & 0xff;
        out[off] = v == BIG ? big.get(base + off) : v;
      }
    }
    return true;
  }
}
