package org.thinmeta.pdata.checksum;

import java.nio.ByteBuffer;
import java.util.zip.CRC32C;
import org.thinmeta.pdata.io.Blocks;

/**
 * The metadata block checksum: CRC32C over bytes 4..4095 with the register left un-inverted, XORed
 * with a per-kind salt, stored little-endian at offset 0.
 */
public final class Checksums {
  private Checksums() {}

  /** The salt-free checksum value of a block (un-inverted CRC32C register). */
  public static int raw(ByteBuffer block) {
    CRC32C crc = new CRC32C();
    if (block.hasArray()) {
      crc.update(block.array(), block.arrayOffset() + 4, Blocks.BLOCK_SIZE - 4);
    } else {
      ByteBuffer d = block.duplicate();
      d.position(4).limit(Blocks.BLOCK_SIZE);
      crc.update(d);
    }
    return (int) ~crc.getValue();
  }

  /** The checksum a block of {@code kind} with these contents must store. */
  public static int compute(ByteBuffer block, BlockKind kind) {
    return raw(block) ^ kind.salt();
  }

  /** The checksum stored in the block. */
  public static int stored(ByteBuffer block) {
    return Blocks.le(block).getInt(0);
  }

  /** True if the stored checksum is the one of {@code kind}. */
  public static boolean verify(ByteBuffer block, BlockKind kind) {
    return stored(block) == compute(block, kind);
  }

  /** Computes the checksum of {@code kind} and writes it at offset 0. */
  public static void stamp(ByteBuffer block, BlockKind kind) {
    Blocks.le(block).putInt(0, compute(block, kind));
  }

  /** Identifies the kind of block by which salt its stored checksum matches. */
  public static BlockKind classify(ByteBuffer block) {
    int x = stored(block) ^ raw(block);
    for (BlockKind k : BlockKind.values()) {
      if (k != BlockKind.UNKNOWN && k.salt() == x) {
        return k;
      }
    }
    return BlockKind.UNKNOWN;
  }
}
