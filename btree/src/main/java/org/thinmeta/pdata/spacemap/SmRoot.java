package org.thinmeta.pdata.spacemap;

import java.nio.ByteBuffer;
import org.thinmeta.pdata.io.Blocks;

/**
 * The space-map root stored in a 128-byte superblock slot; only the first 32 bytes mean anything.
 *
 * <pre>
 * 0  u64 nr_blocks
 * 8  u64 nr_allocated
 * 16 u64 bitmap_root     metadata index block, or data index-btree root
 * 24 u64 ref_count_root  overflow ref-count btree
 * </pre>
 */
public record SmRoot(long nrBlocks, long nrAllocated, long bitmapRoot, long refCountRoot) {
  /** Size of the slot in the superblock. */
  public static final int SLOT_SIZE = 128;

  /** Parses the root at byte {@code offset} of {@code buf}. */
  public static SmRoot decode(ByteBuffer buf, int offset) {
    ByteBuffer b = Blocks.le(buf);
    return new SmRoot(
        b.getLong(offset), b.getLong(offset + 8), b.getLong(offset + 16), b.getLong(offset + 24));
  }

  /** Writes the root at {@code offset} and zeroes the rest of the 128-byte slot. */
  public void encode(ByteBuffer buf, int offset) {
    ByteBuffer b = Blocks.le(buf);
    b.putLong(offset, nrBlocks);
    b.putLong(offset + 8, nrAllocated);
    b.putLong(offset + 16, bitmapRoot);
    b.putLong(offset + 24, refCountRoot);
    for (int i = 32; i < SLOT_SIZE; i++) {
      b.put(offset + i, (byte) 0);
    }
  }
}
