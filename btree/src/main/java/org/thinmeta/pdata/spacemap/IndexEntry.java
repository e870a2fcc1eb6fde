package org.thinmeta.pdata.spacemap;

import java.nio.ByteBuffer;
import org.thinmeta.pdata.io.Blocks;

/**
 * A 16-byte space-map index entry.
 *
 * <pre>
 * 0  u64 blocknr            location of the bitmap
 * 8  u32 nr_free            zero entries in the bitmap (hint)
 * 12 u32 none_free_before   first possibly free entry (hint)
 * </pre>
 */
public record IndexEntry(long blockNr, long nrFree, long noneFreeBefore) {
  /** Encoded size. */
  public static final int SIZE = 16;

  /** Parses the entry at byte {@code offset}. */
  public static IndexEntry decode(ByteBuffer buf, int offset) {
    ByteBuffer b = Blocks.le(buf);
    return new IndexEntry(
        b.getLong(offset),
        Integer.toUnsignedLong(b.getInt(offset + 8)),
        Integer.toUnsignedLong(b.getInt(offset + 12)));
  }

  /** Writes the entry at byte {@code offset}. */
  public void encode(ByteBuffer buf, int offset) {
    ByteBuffer b = Blocks.le(buf);
    b.putLong(offset, blockNr);
    b.putInt(offset + 8, (int) nrFree);
    b.putInt(offset + 12, (int) noneFreeBefore);
  }
}
