package org.thinmeta.pdata.spacemap;

import java.util.Arrays;

/** Counts of 3 and more, from an overflow ref-count tree: sorted keys with their counts. */
public final class OverflowCounts {
  private final long[] keys;
  private final long[] counts;

  private OverflowCounts(long[] keys, long[] counts) {
    this.keys = keys;
    this.counts = counts;
  }

  /** Number of entries. */
  public int size() {
    return keys.length;
  }

  /** Key {@code i}. */
  public long key(int i) {
    return keys[i];
  }

  /** Count {@code i}. */
  public long count(int i) {
    return counts[i];
  }

  /** The count stored for {@code block}, or -1 if the tree has none. */
  public long lookup(long block) {
    int i = Arrays.binarySearch(keys, block);
    return i >= 0 ? counts[i] : -1;
  }

  /** Accumulates entries in ascending key order. */
  public static final class Builder {
    private long[] keys = new long[16];
    private long[] counts = new long[16];
    private int n;

    /** Appends an entry; keys must ascend. */
    public void add(long key, long count) {
      if (n == keys.length) {
        keys = Arrays.copyOf(keys, n * 2);
        counts = Arrays.copyOf(counts, n * 2);
      }
      keys[n] = key;
      counts[n] = count;
      n++;
    }

    /** The finished table. */
    public OverflowCounts build() {
      return new OverflowCounts(Arrays.copyOf(keys, n), Arrays.copyOf(counts, n));
    }
  }
}
