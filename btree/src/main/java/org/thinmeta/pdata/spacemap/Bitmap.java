package org.thinmeta.pdata.spacemap;

import java.nio.ByteBuffer;
import org.thinmeta.pdata.io.Blocks;

/**
 * A space-map bitmap block: 16-byte header (csum u32 salt 240779, not_used u32, blocknr u64) then
 * 510 little-endian u64 words of 2-bit counts. Entry j of word w uses bits 2j (high bit of the
 * count) and 2j+1 (low bit); 3 means "look in the overflow ref-count tree".
 */
public final class Bitmap {
  /** Counts per bitmap block. */
  public static final int ENTRIES_PER_BLOCK = (Blocks.BLOCK_SIZE - 16) * 4;

  /** Offset of the blocknr field. */
  public static final int BLOCKNR_OFFSET = 8;

  /** Offset of the first word. */
  public static final int DATA_OFFSET = 16;

  private Bitmap() {}

  /** The 2-bit count of entry {@code j} (0..3, 3 = overflow). */
  public static int get(ByteBuffer block, int j) {
    long word = block.getLong(DATA_OFFSET + 8 * (j >>> 5));
    int shift = (j & 31) * 2;
    int hi = (int) (word >>> shift) & 1;
    int lo = (int) (word >>> (shift + 1)) & 1;
    return (hi << 1) | lo;
  }

  /** Sets entry {@code j} to {@code count} (0..3). */
  public static void set(ByteBuffer block, int j, int count) {
    int off = DATA_OFFSET + 8 * (j >>> 5);
    long word = block.getLong(off);
    int shift = (j & 31) * 2;
    word &= ~(3L << shift);
    long bits = ((long) (count >>> 1) & 1) | (((long) count & 1) << 1);
    word |= bits << shift;
    block.putLong(off, word);
  }

  /** The blocknr recorded in the header. */
  public static long blockNr(ByteBuffer block) {
    return block.getLong(BLOCKNR_OFFSET);
  }
}
