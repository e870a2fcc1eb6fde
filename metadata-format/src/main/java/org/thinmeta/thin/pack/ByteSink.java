package org.thinmeta.thin.pack;

import java.util.Arrays;

/** A growable byte array the encoder appends to. */
final class ByteSink {
  private byte[] buf;
  private int n;

  ByteSink(int capacity) {
    buf = new byte[Math.max(16, capacity)];
  }

  void u8(int v) {
    ensure(1);
    buf[n++] = (byte) v;
  }

  /** Appends the low {@code width} bytes of {@code v}, little-endian. */
  void le(long v, int width) {
    ensure(width);
    for (int i = 0; i < width; i++) {
      buf[n++] = (byte) (v >>> (8 * i));
    }
  }

  void bytes(byte[] src, int off, int len) {
    ensure(len);
    System.arraycopy(src, off, buf, n, len);
    n += len;
  }

  int size() {
    return n;
  }

  void reset() {
    n = 0;
  }

  byte[] array() {
    return buf;
  }

  byte[] toByteArray() {
    return Arrays.copyOf(buf, n);
  }

  private void ensure(int more) {
    if (n + more > buf.length) {
      buf = Arrays.copyOf(buf, Math.max(buf.length * 2, n + more));
    }
  }
}
