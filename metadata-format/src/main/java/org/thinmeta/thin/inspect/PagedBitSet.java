package org.thinmeta.thin.inspect;

/**
 * A bit set over unsigned 64-bit indexes whose memory grows with the ranges actually touched: pages
 * of 2^16 bits are allocated on first use. Not thread-safe.
 */
final class PagedBitSet {
  private static final int PAGE_SHIFT = 16;
  private static final int WORDS_PER_PAGE = (1 << PAGE_SHIFT) / 64;

  private long[][] pages = new long[16][];

  /** Sets bit {@code i}; returns true if it was clear. */
  boolean set(long i) {
    long p = i >>> PAGE_SHIFT;
    if (p >= Integer.MAX_VALUE) {
      throw new IllegalArgumentException("bit index too large: " + Long.toUnsignedString(i));
    }
    int pi = (int) p;
    if (pi >= pages.length) {
      long[][] n = new long[Math.max(pi + 1, pages.length * 2)][];
      System.arraycopy(pages, 0, n, 0, pages.length);
      pages = n;
    }
    long[] page = pages[pi];
    if (page == null) {
      page = new long[WORDS_PER_PAGE];
      pages[pi] = page;
    }
    int bit = (int) (i & ((1 << PAGE_SHIFT) - 1));
    long mask = 1L << (bit & 63);
    long w = page[bit >>> 6];
    if ((w & mask) != 0) {
      return false;
    }
    page[bit >>> 6] = w | mask;
    return true;
  }

  /** True if bit {@code i} is set. */
  boolean get(long i) {
    long p = i >>> PAGE_SHIFT;
    if (p >= pages.length) {
      return false;
    }
    long[] page = pages[(int) p];
    if (page == null) {
      return false;
    }
    int bit = (int) (i & ((1 << PAGE_SHIFT) - 1));
    return (page[bit >>> 6] & (1L << (bit & 63))) != 0;
  }
}
