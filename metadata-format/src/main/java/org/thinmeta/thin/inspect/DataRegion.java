package org.thinmeta.thin.inspect;

/**
 * A half-open range of data blocks {@code [begin, end)}, written {@code begin..end} on the command
 * line of thin_rmap.
 *
 * @param begin first block
 * @param end one past the last block
 */
public record DataRegion(long begin, long end) {
  /**
   * Parses {@code BEGIN..END} (decimal, end exclusive).
   *
   * @throws IllegalArgumentException {@code badly formed region} or {@code end <= begin}
   */
  public static DataRegion parse(String text) {
    int dots = text.indexOf("..");
    if (dots <= 0) {
      throw new IllegalArgumentException("badly formed region");
    }
    long b = number(text.substring(0, dots));
    long e = number(text.substring(dots + 2));
    if (Long.compareUnsigned(e, b) <= 0) {
      throw new IllegalArgumentException("end <= begin");
    }
    return new DataRegion(b, e);
  }

  private static long number(String s) {
    if (s.isEmpty() || !s.chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw new IllegalArgumentException("badly formed region");
    }
    try {
      return Long.parseUnsignedLong(s);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("badly formed region");
    }
  }

  @Override
  public String toString() {
    return Long.toUnsignedString(begin) + ".." + Long.toUnsignedString(end);
  }
}
