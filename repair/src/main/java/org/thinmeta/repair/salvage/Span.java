package org.thinmeta.repair.salvage;

/**
 * An inclusive range of unsigned 64-bit keys {@code [lo, hi]}; {@code hi == -1} (2^64-1) means "to
 * the end".
 */
public record Span(long lo, long hi) {
  /** Every key. */
  public static final Span ALL = new Span(0, -1L);

  /** True if {@code k} lies in the span. */
  public boolean contains(long k) {
    return Long.compareUnsigned(k, lo) >= 0 && Long.compareUnsigned(k, hi) <= 0;
  }

  /** True if {@code [a, b]} lies entirely in the span. */
  public boolean contains(long a, long b) {
    return contains(a) && contains(b);
  }

  /** True if the two spans share a key. */
  public boolean intersects(Span o) {
    return Long.compareUnsigned(o.hi, lo) >= 0 && Long.compareUnsigned(o.lo, hi) <= 0;
  }

  /** The common part, or null. */
  public Span intersect(Span o) {
    if (!intersects(o)) {
      return null;
    }
    return new Span(umax(lo, o.lo), umin(hi, o.hi));
  }

  /** True if the span reaches the highest key. */
  public boolean open() {
    return hi == -1L;
  }

  /** Number of keys, saturating at Long.MAX_VALUE. */
  public long size() {
    long d = hi - lo;
    return d < 0 || d == Long.MAX_VALUE ? Long.MAX_VALUE : d + 1;
  }

  static long umax(long a, long b) {
    return Long.compareUnsigned(a, b) >= 0 ? a : b;
  }

  static long umin(long a, long b) {
    return Long.compareUnsigned(a, b) <= 0 ? a : b;
  }

  /** Prints as {@code lo..hi}, or {@code lo..end} when open; a single key as {@code lo}. */
  @Override
  public String toString() {
    if (lo == hi) {
      return Long.toUnsignedString(lo);
    }
    return Long.toUnsignedString(lo) + ".." + (open() ? "end" : Long.toUnsignedString(hi));
  }
}
