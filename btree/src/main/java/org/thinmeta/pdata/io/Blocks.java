package org.thinmeta.pdata.io;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Constants and helpers for 4096-byte metadata blocks. */
public final class Blocks {
  /** Size of every metadata block in bytes. */
  public static final int BLOCK_SIZE = 4096;

  /** log2 of {@link #BLOCK_SIZE}. */
  public static final int BLOCK_SHIFT = 12;

  /** Size of a sector in bytes. */
  public static final int SECTOR_SIZE = 512;

  /** Metadata block size in sectors, as stored in the superblock. */
  public static final int METADATA_BLOCK_SECTORS = BLOCK_SIZE / SECTOR_SIZE;

  private Blocks() {}

  /** Returns a zeroed little-endian heap buffer of one block. */
  public static ByteBuffer allocate() {
    return ByteBuffer.allocate(BLOCK_SIZE).order(ByteOrder.LITTLE_ENDIAN);
  }

  /** Returns a little-endian view of {@code b} (slices and duplicates come back big-endian). */
  public static ByteBuffer le(ByteBuffer b) {
    return b.duplicate().order(ByteOrder.LITTLE_ENDIAN);
  }
}
