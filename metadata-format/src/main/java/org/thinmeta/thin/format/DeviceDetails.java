package org.thinmeta.thin.format;

import java.nio.ByteBuffer;
import org.thinmeta.pdata.io.Blocks;

/**
 * A device-details value (24 bytes).
 *
 * <pre>
 * 0  u64 mapped_blocks
 * 8  u64 transaction_id
 * 16 u32 creation_time
 * 20 u32 snapshotted_time
 * </pre>
 */
public record DeviceDetails(
    long mappedBlocks, long transactionId, long creationTime, long snapshottedTime) {
  /** Encoded size. */
  public static final int SIZE = 24;

  /** Parses the value at byte {@code offset}. */
  public static DeviceDetails decode(ByteBuffer buf, int offset) {
    ByteBuffer b = Blocks.le(buf);
    return new DeviceDetails(
        b.getLong(offset),
        b.getLong(offset + 8),
        Integer.toUnsignedLong(b.getInt(offset + 16)),
        Integer.toUnsignedLong(b.getInt(offset + 20)));
  }

  /** Writes the value at byte {@code offset}. */
  public void encode(ByteBuffer buf, int offset) {
    ByteBuffer b = Blocks.le(buf);
    b.putLong(offset, mappedBlocks);
    b.putLong(offset + 8, transactionId);
    b.putInt(offset + 16, (int) creationTime);
    b.putInt(offset + 20, (int) snapshottedTime);
  }
}
