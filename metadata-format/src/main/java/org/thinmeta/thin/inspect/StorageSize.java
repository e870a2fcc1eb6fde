package org.thinmeta.thin.inspect;

/**
 * A size given on the command line: a decimal number optionally followed by a unit, sectors when
 * there is none ({@code 128}, {@code 64k}, {@code 1TiB}).
 *
 * @param multiple the number
 * @param unit its unit
 */
public record StorageSize(long multiple, SizeUnit unit) {
  /**
   * Parses {@code text}.
   *
   * @throws IllegalArgumentException with a one-line reason if it is not a size or does not fit in
   *     64 bits of bytes
   */
  public static StorageSize parse(String text) {
    int i = 0;
    while (i < text.length() && text.charAt(i) >= '0' && text.charAt(i) <= '9') {
      i++;
    }
    if (i == 0) {
      throw new IllegalArgumentException("invalid digit found in string");
    }
    long multiple;
    try {
      multiple = Long.parseUnsignedLong(text.substring(0, i));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("number too large to fit in target type");
    }
    SizeUnit unit = SizeUnit.SECTOR;
    if (i < text.length()) {
      unit =
          SizeUnit.parse(text.substring(i))
              .orElseThrow(() -> new IllegalArgumentException("Invalid unit specifier"));
    }
    if (Long.compareUnsigned(multiple, Long.divideUnsigned(-1L, unit.bytes())) > 0) {
      throw new IllegalArgumentException("value out of bounds");
    }
    return new StorageSize(multiple, unit);
  }

  /** The size in bytes (an unsigned 64-bit value). */
  public long bytes() {
    return multiple * unit.bytes();
  }
}
