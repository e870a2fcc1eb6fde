package org.thinmeta.thin.xml;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * A small buffered writer of ASCII text and unsigned decimals, for the dump formats whose output is
 * millions of short lines of numbers. Numbers are formatted two digits at a time from a table, in
 * 32-bit arithmetic once they fit, and constant text is copied from cached bytes: on a dump of
 * millions of mappings these two calls are most of the formatting time.
 */
public final class AsciiWriter {
  private static final byte[] TENS = new byte[100];
  private static final byte[] ONES = new byte[100];

  static {
    for (int i = 0; i < 100; i++) {
      TENS[i] = (byte) ('0' + i / 10);
      ONES[i] = (byte) ('0' + i % 10);
    }
  }

  private final OutputStream out;
  private final byte[] buf = new byte[1 << 16];
  private int n;

  /** A writer buffering into {@code out}; {@link #flush} drains and flushes it. */
  public AsciiWriter(OutputStream out) {
    this.out = out;
  }

  /** Writes {@code s}, whose characters are ASCII. */
  public AsciiWriter text(String s) throws IOException {
    int len = s.length();
    if (n + len > buf.length) {
      drain();
      if (len > buf.length) {
        out.write(s.getBytes(StandardCharsets.UTF_8));
        return this;
      }
    }
    for (int i = 0; i < len; i++) {
      buf[n++] = (byte) s.charAt(i);
    }
    return this;
  }

  /** Writes {@code b} as is (constant text prepared with {@link #ascii}). */
  public AsciiWriter bytes(byte[] b) throws IOException {
    int len = b.length;
    if (n + len > buf.length) {
      drain();
      if (len > buf.length) {
        out.write(b);
        return this;
      }
    }
    System.arraycopy(b, 0, buf, n, len);
    n += len;
    return this;
  }

  /** Writes {@code v} as an unsigned decimal. */
  public AsciiWriter num(long v) throws IOException {
    if (n + 20 > buf.length) {
      drain();
    }
    if (v < 0) {
      return text(Long.toUnsignedString(v));
    }
    int len = digits(v);
    int pos = n + len;
    while (v > Integer.MAX_VALUE) {
      long q = v / 100;
      int r = (int) (v - q * 100);
      buf[--pos] = ONES[r];
      buf[--pos] = TENS[r];
      v = q;
    }
    int i = (int) v;
    while (i >= 100) {
      int q = i / 100;
      int r = i - q * 100;
      buf[--pos] = ONES[r];
      buf[--pos] = TENS[r];
      i = q;
    }
    if (i >= 10) {
      buf[--pos] = ONES[i];
      buf[--pos] = TENS[i];
    } else {
      buf[--pos] = (byte) ('0' + i);
    }
    n += len;
    return this;
  }

  /** The bytes of constant ASCII text, for {@link #bytes}. */
  public static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  /** Number of decimal digits of a non-negative value. */
  static int digits(long v) {
    int len = 1;
    long p = 10;
    while (len < 19 && v >= p) {
      len++;
      p *= 10;
    }
    return len;
  }

  /** Hands the buffered bytes to the stream. */
  public void drain() throws IOException {
    if (n > 0) {
      out.write(buf, 0, n);
      n = 0;
    }
  }

  /** Drains and flushes the stream. */
  public void flush() throws IOException {
    drain();
    out.flush();
  }
}
