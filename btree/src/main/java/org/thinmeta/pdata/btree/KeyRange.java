package org.thinmeta.pdata.btree;

/**
 * A half-open range of unsigned 64-bit keys {@code [lo, hi)}. {@code hasHi == false} means no upper
 * bound. Prints as {@code [lo..hi]} with {@code -} for an open end.
 */
public record KeyRange(long lo, long hi, boolean hasHi) {
  /** Every key. */
  public static final KeyRange ALL = new KeyRange(0, 0, false);

  /** True if this range covers every key. */
  public boolean isUnbounded() {
    return lo == 0 && !hasHi;
  }

  /** True if {@code key} lies in the range (unsigned comparison). */
  public boolean contains(long key) {
    return Long.compareUnsigned(key, lo) >= 0 && (!hasHi || Long.compareUnsigned(key, hi) < 0);
  }

  /** The sub-range {@code [from, to)} clipped to this one; {@code to} absent when not bounded. */
  public KeyRange child(long from, long to, boolean hasTo) {
    long newLo = Long.compareUnsigned(from, lo) > 0 ? from : lo;
    if (!hasTo) {
      return new KeyRange(newLo, hi, hasHi);
    }
    if (hasHi && Long.compareUnsigned(hi, to) < 0) {
      return new KeyRange(newLo, hi, true);
    }
    return new KeyRange(newLo, to, true);
  }

  @Override
  public String toString() {
    return "[" + Long.toUnsignedString(lo) + ".." + (hasHi ? Long.toUnsignedString(hi) : "-") + "]";
  }
}
