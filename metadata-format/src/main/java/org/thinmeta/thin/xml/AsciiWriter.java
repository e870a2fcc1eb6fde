package org.thinmeta.thin.xml;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * A small buffered writer of ASCII text and unsigned decimals, for the dump formats whose output is
 * millions of short lines of numbers.
 */
final class AsciiWriter {
  private final OutputStream out;
  private final byte[] buf = new byte[1 << 16];
  private int n;

  AsciiWriter(OutputStream out) {
    this.out = out;
  }

  AsciiWriter text(String s) throws IOException {
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

  AsciiWriter num(long v) throws IOException {
    if (n + 20 > buf.length) {
      drain();
    }
    if (v >= 0 && v < 10) {
      buf[n++] = (byte) ('0' + v);
      return this;
    }
    if (v < 0) {
      return text(Long.toUnsignedString(v));
    }
    int start = n;
    while (v > 0) {
      buf[n++] = (byte) ('0' + (v % 10));
      v /= 10;
    }
    for (int i = start, j = n - 1; i < j; i++, j--) {
      byte t = buf[i];
      buf[i] = buf[j];
      buf[j] = t;
    }
    return this;
  }

  void drain() throws IOException {
    if (n > 0) {
      out.write(buf, 0, n);
      n = 0;
    }
  }

  void flush() throws IOException {
    drain();
    out.flush();
  }
}
