package org.thinmeta.thin.format;

import java.nio.ByteBuffer;
import org.thinmeta.pdata.checksum.BlockKind;
import org.thinmeta.pdata.checksum.Checksums;
import org.thinmeta.pdata.io.Blocks;
import org.thinmeta.pdata.spacemap.SmRoot;

/**
 * The thin superblock (block 0, and the metadata-snapshot copy).
 *
 * <pre>
 * 0   u32 csum (salt 160774)       4   u32 flags (bit 0 NEEDS_CHECK)
 * 8   u64 blocknr                  16  u8[16] uuid
 * 32  u64 magic (27022010)         40  u32 version
 * 44  u32 time                     48  u64 trans_id
 * 56  u64 metadata_snap            64  u8[128] data space map root
 * 192 u8[128] metadata sm root     320 u64 data_mapping_root
 * 328 u64 device_details_root      336 u32 data_block_size (sectors)
 * 340 u32 metadata_block_size      344 u64 metadata_nr_blocks
 * 352 u32 compat_flags             356 u32 compat_ro_flags
 * 360 u32 incompat_flags
 * </pre>
 *
 * <p>{@link #raw} keeps the block as read so that a rewrite changes only what it must.
 */
public record Superblock(
    int flags,
    long blockNr,
    long magic,
    int version,
    long time,
    long transactionId,
    long metadataSnap,
    SmRoot dataSmRoot,
    SmRoot metadataSmRoot,
    long mappingRoot,
    long detailsRoot,
    long dataBlockSize,
    long metadataBlockSize,
    long metadataNrBlocks,
    int compatFlags,
    int compatRoFlags,
    int incompatFlags) {
  /** The magic number. */
  public static final long MAGIC = 27022010L;

  /** Flag bit: the kernel wants the pool checked. */
  public static final int NEEDS_CHECK = 1;

  static final int FLAGS = 4;
  static final int BLOCKNR = 8;
  static final int UUID = 16;
  static final int MAGIC_OFFSET = 32;
  static final int VERSION = 40;
  static final int TIME = 44;
  static final int TRANS_ID = 48;
  static final int METADATA_SNAP = 56;
  static final int DATA_SM_ROOT = 64;
  static final int METADATA_SM_ROOT = 192;
  static final int MAPPING_ROOT = 320;
  static final int DETAILS_ROOT = 328;
  static final int DATA_BLOCK_SIZE = 336;
  static final int METADATA_BLOCK_SIZE = 340;
  static final int METADATA_NR_BLOCKS = 344;
  static final int COMPAT_FLAGS = 352;
  static final int COMPAT_RO_FLAGS = 356;
  static final int INCOMPAT_FLAGS = 360;

  /** Parses a superblock (no validation). */
  public static Superblock decode(ByteBuffer block) {
    ByteBuffer b = Blocks.le(block);
    return new Superblock(
        b.getInt(FLAGS),
        b.getLong(BLOCKNR),
        b.getLong(MAGIC_OFFSET),
        b.getInt(VERSION),
        Integer.toUnsignedLong(b.getInt(TIME)),
        b.getLong(TRANS_ID),
        b.getLong(METADATA_SNAP),
        SmRoot.decode(b, DATA_SM_ROOT),
        SmRoot.decode(b, METADATA_SM_ROOT),
        b.getLong(MAPPING_ROOT),
        b.getLong(DETAILS_ROOT),
        Integer.toUnsignedLong(b.getInt(DATA_BLOCK_SIZE)),
        Integer.toUnsignedLong(b.getInt(METADATA_BLOCK_SIZE)),
        b.getLong(METADATA_NR_BLOCKS),
        b.getInt(COMPAT_FLAGS),
        b.getInt(COMPAT_RO_FLAGS),
        b.getInt(INCOMPAT_FLAGS));
  }

  /** Encodes into a fresh zeroed block and stamps the checksum. */
  public ByteBuffer encode() {
    ByteBuffer b = Blocks.allocate();
    encodeInto(b);
    return b;
  }

  /**
   * Writes every field into {@code block} (bytes not covered by a field are left as they are) and
   * stamps the checksum.
   */
  public void encodeInto(ByteBuffer block) {
    ByteBuffer b = Blocks.le(block);
    b.putInt(FLAGS, flags);
    b.putLong(BLOCKNR, blockNr);
    b.putLong(MAGIC_OFFSET, magic);
    b.putInt(VERSION, version);
    b.putInt(TIME, (int) time);
    b.putLong(TRANS_ID, transactionId);
    b.putLong(METADATA_SNAP, metadataSnap);
    dataSmRoot.encode(b, DATA_SM_ROOT);
    metadataSmRoot.encode(b, METADATA_SM_ROOT);
    b.putLong(MAPPING_ROOT, mappingRoot);
    b.putLong(DETAILS_ROOT, detailsRoot);
    b.putInt(DATA_BLOCK_SIZE, (int) dataBlockSize);
    b.putInt(METADATA_BLOCK_SIZE, (int) metadataBlockSize);
    b.putLong(METADATA_NR_BLOCKS, metadataNrBlocks);
    b.putInt(COMPAT_FLAGS, compatFlags);
    b.putInt(COMPAT_RO_FLAGS, compatRoFlags);
    b.putInt(INCOMPAT_FLAGS, incompatFlags);
    Checksums.stamp(b, BlockKind.THIN_SUPERBLOCK);
  }

  /**
   * Returns a copy of {@code block} with only the flags word changed and the checksum recomputed
   * (format doc §2.6: keep every other byte).
   */
  public static ByteBuffer withFlags(ByteBuffer block, int flags) {
    ByteBuffer b = Blocks.allocate();
    b.put(Blocks.le(block).position(0).limit(Blocks.BLOCK_SIZE));
    b.flip();
    b.putInt(FLAGS, flags);
    Checksums.stamp(b, BlockKind.THIN_SUPERBLOCK);
    return b;
  }

  /** True if NEEDS_CHECK is set. */
  public boolean needsCheck() {
    return (flags & NEEDS_CHECK) != 0;
  }

  /** True if the checksum of {@code block} is that of a superblock. */
  public static boolean checksumOk(ByteBuffer block) {
    return Checksums.verify(block, BlockKind.THIN_SUPERBLOCK);
  }

  /** A copy with other roots (for --override-mapping-root and friends). */
  public Superblock withRoots(long newMappingRoot, long newDetailsRoot) {
    return new Superblock(
        flags,
        blockNr,
        magic,
        version,
        time,
        transactionId,
        metadataSnap,
        dataSmRoot,
        metadataSmRoot,
        newMappingRoot,
        newDetailsRoot,
        dataBlockSize,
        metadataBlockSize,
        metadataNrBlocks,
        compatFlags,
        compatRoFlags,
        incompatFlags);
  }
}
