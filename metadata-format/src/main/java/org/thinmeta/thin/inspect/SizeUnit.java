package org.thinmeta.thin.inspect;

import java.util.Optional;

/**
 * Size units of the tools (format doc §10.5): their byte sizes, the names and letters they are
 * parsed from, and the names they are printed with (including the reference's {@code Tib} and
 * {@code terabyte} for TiB, quirk Q9).
 */
public enum SizeUnit {
  /** 1 byte. */
  BYTE(1L, "b", "b", "byte", "byte", "b"),
  /** 512 bytes. */
  SECTOR(512L, "s", "s", "sector", "sector", "s"),
  /** 2^10 bytes. */
  KIBIBYTE(1L << 10, "KiB", "KiB", "kibibyte", "kibibyte", "k"),
  /** 2^20 bytes. */
  MEBIBYTE(1L << 20, "MiB", "MiB", "mebibyte", "mebibyte", "m"),
  /** 2^30 bytes. */
  GIBIBYTE(1L << 30, "GiB", "GiB", "gibibyte", "gibibyte", "g"),
  /** 2^40 bytes. */
  TEBIBYTE(1L << 40, "TiB", "Tib", "tebibyte", "terabyte", "t"),
  /** 2^50 bytes. */
  PEBIBYTE(1L << 50, "PiB", "PiB", "pebibyte", "pebibyte", "p"),
  /** 2^60 bytes. */
  EXBIBYTE(1L << 60, "EiB", "EiB", "exbibyte", "exbibyte", "e"),
  /** 10^3 bytes. */
  KILOBYTE(1_000L, "kB", "kB", "kilobyte", "kilobyte", "K"),
  /** 10^6 bytes. */
  MEGABYTE(1_000_000L, "MB", "MB", "megabyte", "megabyte", "M"),
  /** 10^9 bytes. */
  GIGABYTE(1_000_000_000L, "GB", "GB", "gigabyte", "gigabyte", "G"),
  /** 10^12 bytes. */
  TERABYTE(1_000_000_000_000L, "TB", "TB", "terabyte", "terabyte", "T"),
  /** 10^15 bytes. */
  PETABYTE(1_000_000_000_000_000L, "PB", "PB", "petabyte", "petabyte", "P"),
  /** 10^18 bytes. */
  EXABYTE(1_000_000_000_000_000_000L, "EB", "EB", "exabyte", "exabyte", "E");

  private final long bytes;
  private final String symbol;
  private final String shortName;
  private final String parseName;
  private final String longName;
  private final String letter;

  SizeUnit(
      long bytes,
      String symbol,
      String shortName,
      String parseName,
      String longName,
      String letter) {
    this.bytes = bytes;
    this.symbol = symbol;
    this.shortName = shortName;
    this.parseName = parseName;
    this.longName = longName;
    this.letter = letter;
  }

  /** Bytes in one unit. */
  public long bytes() {
    return bytes;
  }

  /** The printed symbol ({@code KiB}, {@code Tib} sic, {@code kB}...), used by thin_ls. */
  public String shortName() {
    return shortName;
  }

  /** The printed long name ({@code sector}, {@code terabyte} for TiB sic...), singular. */
  public String longName() {
    return longName;
  }

  /** The one-letter form ({@code s}, {@code k}, {@code K}...). */
  public String letter() {
    return letter;
  }

  /**
   * Parses a unit given by its letter, symbol or long name ({@code k}, {@code KiB}, {@code
   * kibibyte}); case matters ({@code k} is KiB, {@code K} is kB).
   */
  public static Optional<SizeUnit> parse(String s) {
    for (SizeUnit u : values()) {
      if (s.equals(u.letter) || s.equals(u.symbol) || s.equals(u.parseName)) {
        return Optional.of(u);
      }
    }
    return Optional.empty();
  }
}
