package org.thinmeta.pdata.tm;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/** Little-endian reads and writes of integers in a block held as a byte array. */
public final class LeBytes {
  private static final VarHandle LONG =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final VarHandle INT =
      MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

  private LeBytes() {}

  /** The u64 at {@code off}. */
  public static long getLong(byte[] b, int off) {
    return (long) LONG.get(b, off);
  }

  /** Stores a u64 at {@code off}. */
  public static void putLong(byte[] b, int off, long v) {
    LONG.set(b, off, v);
  }

  /** The u32 at {@code off}, as a signed int. */
  public static int getInt(byte[] b, int off) {
    return (int) INT.get(b, off);
  }

  /** Stores a u32 at {@code off}. */
  public static void putInt(byte[] b, int off, int v) {
    INT.set(b, off, v);
  }
}
