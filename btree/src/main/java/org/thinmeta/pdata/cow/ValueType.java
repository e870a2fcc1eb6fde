package org.thinmeta.pdata.cow;

import java.io.IOException;
import java.util.Arrays;

/**
 * How a btree's leaf values hold references: when a shared leaf is copied every value in it gains a
 * reference ({@link #inc}); a value that is overwritten or removed loses one ({@link #dec}).
 */
public interface ValueType {
  /** Bytes per value. */
  int size();

  /** True if values hold references (so {@link #inc} and {@link #dec} do something). */
  default boolean hasRefs() {
    return false;
  }

  /** Adds the references held by the value at {@code off} of {@code node}. */
  default void inc(byte[] node, int off) throws IOException {}

  /** Drops the references held by the value at {@code off} of {@code node}. */
  default void dec(byte[] node, int off) throws IOException {}

  /** True if the two values hold the same references (an overwrite then drops nothing). */
  default boolean equal(byte[] a, int aoff, byte[] b, int boff) {
    return Arrays.equals(a, aoff, aoff + size(), b, boff, boff + size());
  }

  /** A value type of {@code size} bytes that holds no references. */
  static ValueType plain(int size) {
    return () -> size;
  }
}
