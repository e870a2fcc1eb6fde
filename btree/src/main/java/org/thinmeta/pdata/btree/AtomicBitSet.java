package org.thinmeta.pdata.btree;

import java.util.concurrent.atomic.AtomicLongArray;

/** A fixed-size bit set whose {@link #mark} is atomic, for walks shared between threads. */
public final class AtomicBitSet {
  private final AtomicLongArray words;
  private final long size;

  /** A set of {@code size} bits, all clear. */
  public AtomicBitSet(long size) {
    this.size = size;
    this.words = new AtomicLongArray(Math.toIntExact((size + 63) >>> 6));
  }

  /** Number of bits. */
  public long size() {
    return size;
  }

  /** Sets bit {@code i}; returns true if it was clear before (this caller is first). */
  public boolean mark(long i) {
    int w = (int) (i >>> 6);
    long bit = 1L << (i & 63);
    while (true) {
      long old = words.get(w);
      if ((old & bit) != 0) {
        return false;
      }
      if (words.compareAndSet(w, old, old | bit)) {
        return true;
      }
    }
  }

  /** True if bit {@code i} is set. */
  public boolean get(long i) {
    return (words.get((int) (i >>> 6)) & (1L << (i & 63))) != 0;
  }
}
