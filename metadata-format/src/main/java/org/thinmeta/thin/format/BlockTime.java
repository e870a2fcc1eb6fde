package org.thinmeta.thin.format;

/** A bottom-level mapping value: {@code (dataBlock << 24) | (time & 0xFFFFFF)}. */
public final class BlockTime {
  /** Mask of the time part. */
  public static final long TIME_MASK = 0xFFFFFFL;

  private BlockTime() {}

  /** The data block of a packed value. */
  public static long dataBlock(long v) {
    return v >>> 24;
  }

  /** The time of a packed value. */
  public static long time(long v) {
    return v & TIME_MASK;
  }

  /** Packs a data block and time. */
  public static long pack(long dataBlock, long time) {
    return (dataBlock << 24) | (time & TIME_MASK);
  }
}
