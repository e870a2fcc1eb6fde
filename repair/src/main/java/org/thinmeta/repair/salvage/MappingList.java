package org.thinmeta.repair.salvage;

import java.util.Arrays;

/** A growable list of mappings (thin block, packed block_time value) that can be sorted by key. */
final class MappingList {
  private long[] keys = new long[16];
  private long[] values = new long[16];
  private int size;

  void add(long key, long value) {
    if (size == keys.length) {
      keys = Arrays.copyOf(keys, size * 2);
      values = Arrays.copyOf(values, size * 2);
    }
    keys[size] = key;
    values[size] = value;
    size++;
  }

  int size() {
    return size;
  }

  long key(int i) {
    return keys[i];
  }

  long value(int i) {
    return values[i];
  }

  /** Index of {@code key} in a list sorted by key, or -1. */
  int find(long key) {
    int lo = 0;
    int hi = size - 1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      int c = Long.compareUnsigned(keys[mid], key);
      if (c == 0) {
        return mid;
      }
      if (c < 0) {
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return -1;
  }

  /** Sorts by key (unsigned); keys are unique by construction. */
  void sort() {
    for (int i = 1; i < size; i++) {
      if (Long.compareUnsigned(keys[i - 1], keys[i]) > 0) {
        sortAll();
        return;
      }
    }
  }

  private void sortAll() {
    Integer[] order = new Integer[size];
    for (int i = 0; i < size; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> Long.compareUnsigned(keys[a], keys[b]));
    long[] k = new long[Math.max(16, size)];
    long[] v = new long[Math.max(16, size)];
    for (int i = 0; i < size; i++) {
      k[i] = keys[order[i]];
      v[i] = values[order[i]];
    }
    keys = k;
    values = v;
  }
}
