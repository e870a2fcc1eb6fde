package org.thinmeta.repair.salvage;

import java.util.HashMap;
import java.util.Map;

/** A sparse set of data block numbers (pages of 2^20 bits). */
final class DataBlockSet {
  private static final int PAGE_BITS = 20;
  private final Map<Long, long[]> pages = new HashMap<>();

  void add(long b) {
    long[] p = pages.computeIfAbsent(b >>> PAGE_BITS, k -> new long[1 << (PAGE_BITS - 6)]);
    int i = (int) (b & ((1 << PAGE_BITS) - 1));
    p[i >>> 6] |= 1L << (i & 63);
  }

  boolean contains(long b) {
    long[] p = pages.get(b >>> PAGE_BITS);
    if (p == null) {
      return false;
    }
    int i = (int) (b & ((1 << PAGE_BITS) - 1));
    return (p[i >>> 6] & (1L << (i & 63))) != 0;
  }
}
