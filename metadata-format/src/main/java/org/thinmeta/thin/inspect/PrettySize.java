package org.thinmeta.thin.inspect;

/**
 * The human-readable sizes of thin_ls (format doc §10.1): a binary unit chosen so that the number
 * starts in [1024, 1048575] where possible, then one unit larger (rounded to nearest) if it is
 * still above 8192; printed as {@code {number}{symbol}}, e.g. {@code 670MiB}, {@code 4096KiB}.
 */
public final class PrettySize {
  private static final SizeUnit[] UNITS = {
    SizeUnit.BYTE,
    SizeUnit.KIBIBYTE,
    SizeUnit.MEBIBYTE,
    SizeUnit.GIBIBYTE,
    SizeUnit.TEBIBYTE,
    SizeUnit.PEBIBYTE,
    SizeUnit.EXBIBYTE
  };

  private PrettySize() {}

  /** Formats an unsigned byte count. */
  public static String format(long bytes) {
    int i = 0;
    if (bytes != 0) {
      int highBit = 63 - Long.numberOfLeadingZeros(bytes);
      i = Math.max(0, highBit / 10 - 1);
    }
    long m = bytes >>> (10 * i);
    if (m > 8192) {
      m = Math.round(m / 1024.0);
      i++;
    }
    String unit = UNITS[i] == SizeUnit.BYTE ? "b" : UNITS[i].shortName();
    return m + unit;
  }
}
