package org.thinmeta.thin.pack;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.thinmeta.pdata.io.Blocks;

/**
 * The 32-byte header of a pack file.
 *
 * <pre>
 * 0  u64 magic      0xA537A0AA6309EF77
 * 8  u64 version    3
 * 16 u64 block size 4096
 * 24 u64 nr_blocks  of the packed device
 * </pre>
 */
public record PackHeader(long version, long blockSize, long nrBlocks) {
  /** The magic number. */
  public static final long MAGIC = 0xA537A0AA6309EF77L;

  /** The only version there is. */
  public static final long VERSION = 3;

  /** Encoded size. */
  public static final int SIZE = 32;

  /** The header of a pack of a device with {@code nrBlocks} metadata blocks. */
  public static PackHeader of(long nrBlocks) {
    return new PackHeader(VERSION, Blocks.BLOCK_SIZE, nrBlocks);
  }

  /**
   * Parses and validates a header; {@code bytes} may be shorter than {@link #SIZE} (a truncated
   * file).
   *
   * @throws PackFormatException with the reference's messages
   */
  public static PackHeader decode(byte[] bytes, int length) throws PackFormatException {
    if (length < 8) {
      throw new PackFormatException("Not a pack file");
    }
    ByteBuffer b = ByteBuffer.wrap(bytes, 0, length).order(ByteOrder.LITTLE_ENDIAN);
    if (b.getLong(0) != MAGIC) {
      throw new PackFormatException("Not a pack file");
    }
    if (length < 16 || b.getLong(8) != VERSION) {
      throw new PackFormatException("unsupported pack file version (" + VERSION + ").");
    }
    if (length < 24 || b.getLong(16) != Blocks.BLOCK_SIZE) {
      throw new PackFormatException("block size is not " + Blocks.BLOCK_SIZE);
    }
    if (length < SIZE) {
      throw new PackFormatException("truncated pack file header");
    }
    long nr = b.getLong(24);
    if (nr < 0 || nr > Long.MAX_VALUE / Blocks.BLOCK_SIZE) {
      throw new PackFormatException(
          "pack file header claims " + Long.toUnsignedString(nr) + " blocks");
    }
    return new PackHeader(VERSION, Blocks.BLOCK_SIZE, nr);
  }

  /** Encodes the header. */
  public byte[] encode() {
    ByteBuffer b = ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN);
    b.putLong(MAGIC).putLong(version).putLong(blockSize).putLong(nrBlocks);
    return b.array();
  }
}
