package org.thinmeta.pdata.btree;

import java.nio.ByteBuffer;
import org.thinmeta.pdata.io.Blocks;

/**
 * The 32-byte btree node header.
 *
 * <pre>
 * 0  u32 csum        (salt 121107)
 * 4  u32 flags       1 = internal, 2 = leaf
 * 8  u64 blocknr     own location
 * 16 u32 nr_entries
 * 20 u32 max_entries
 * 24 u32 value_size
 * 28 u32 padding
 * 32 keys: u64 x max_entries, then values: value_size x max_entries
 * </pre>
 */
public record NodeHeader(int flags, long blockNr, int nrEntries, int maxEntries, int valueSize) {
  /** Flag of an internal node. */
  public static final int INTERNAL = 1;

  /** Flag of a leaf node. */
  public static final int LEAF = 2;

  static final int FLAGS_OFFSET = 4;
  static final int BLOCKNR_OFFSET = FLAGS_OFFSET + 4;
  static final int NR_ENTRIES_OFFSET = BLOCKNR_OFFSET + 8;
  static final int MAX_ENTRIES_OFFSET = NR_ENTRIES_OFFSET + 4;
  static final int VALUE_SIZE_OFFSET = MAX_ENTRIES_OFFSET + 4;

  /** Size of the header; keys start here. */
  public static final int SIZE = 32;

  /** Parses the header of a node block (no validation). */
  public static NodeHeader decode(ByteBuffer block) {
    ByteBuffer b = Blocks.le(block);
    return new NodeHeader(
        b.getInt(FLAGS_OFFSET),
        b.getLong(BLOCKNR_OFFSET),
        b.getInt(NR_ENTRIES_OFFSET),
        b.getInt(MAX_ENTRIES_OFFSET),
        b.getInt(VALUE_SIZE_OFFSET));
  }

  /** Writes this header into bytes 4..31 of {@code block} (the checksum is left alone). */
  public void encode(ByteBuffer block) {
    ByteBuffer b = Blocks.le(block);
    b.putInt(FLAGS_OFFSET, flags);
    b.putLong(BLOCKNR_OFFSET, blockNr);
    b.putInt(NR_ENTRIES_OFFSET, nrEntries);
    b.putInt(MAX_ENTRIES_OFFSET, maxEntries);
    b.putInt(VALUE_SIZE_OFFSET, valueSize);
    b.putInt(VALUE_SIZE_OFFSET + 4, 0);
  }

  /** True if the leaf flag is set (and the internal flag is not). */
  public boolean isLeaf() {
    return flags == LEAF;
  }

  /** True if the internal flag is set (and the leaf flag is not). */
  public boolean isInternal() {
    return flags == INTERNAL;
  }

  /** The max_entries writers use for a value size: the largest multiple of 3 that fits. */
  public static int maxEntriesFor(int valueSize) {
    int n = (Blocks.BLOCK_SIZE - SIZE) / (8 + valueSize);
    return n / 3 * 3;
  }
}
