package org.thinmeta.thin.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;
import org.thinmeta.pdata.checksum.BlockKind;
import org.thinmeta.pdata.checksum.Checksums;
import org.thinmeta.pdata.io.Blocks;
import org.thinmeta.pdata.spacemap.SmRoot;

/** The superblock layout of format doc §2.1, on a block written field by field. */
class SuperblockTest {
  /** The superblock behind the §8.6 example, with junk where the kernel leaves junk. */
  static ByteBuffer handBuilt() {
    ByteBuffer b = Blocks.allocate();
    b.putInt(4, 1); // flags: NEEDS_CHECK
    b.putLong(8, 0); // blocknr
    b.put(16, (byte) 0xAB); // uuid byte: kept by withFlags
    b.putLong(32, 27022010L);
    b.putInt(40, 2);
    b.putInt(44, 0xFFFFFFFE); // time, unsigned
    b.putLong(48, 21);
    b.putLong(56, 6);
    new SmRoot(1024, 7, 4, 5).encode(b, 64);
    b.put(64 + 40, (byte) 0x77); // junk in the data sm_root tail
    new SmRoot(2048, 12, 1, 2).encode(b, 192);
    b.putLong(320, 7);
    b.putLong(328, 6);
    b.putInt(336, 128);
    b.putInt(340, 8);
    b.putLong(344, 2048);
    b.putInt(352, 0x10);
    b.putInt(356, 0x20);
    b.putInt(360, 0x40);
    Checksums.stamp(b, BlockKind.THIN_SUPERBLOCK);
    return b;
  }

  @Test
  void decode_everyFieldAtItsOffset() {
    Superblock sb = Superblock.decode(handBuilt());

    assertEquals(1, sb.flags());
    assertTrue(sb.needsCheck());
    assertEquals(0, sb.blockNr());
    assertEquals(Superblock.MAGIC, sb.magic());
    assertEquals(2, sb.version());
    assertEquals(0xFFFFFFFEL, sb.time());
    assertEquals(21, sb.transactionId());
    assertEquals(6, sb.metadataSnap());
    assertEquals(new SmRoot(1024, 7, 4, 5), sb.dataSmRoot());
    assertEquals(new SmRoot(2048, 12, 1, 2), sb.metadataSmRoot());
    assertEquals(7, sb.mappingRoot());
    assertEquals(6, sb.detailsRoot());
    assertEquals(128, sb.dataBlockSize());
    assertEquals(8, sb.metadataBlockSize());
    assertEquals(2048, sb.metadataNrBlocks());
    assertEquals(0x10, sb.compatFlags());
    assertEquals(0x20, sb.compatRoFlags());
    assertEquals(0x40, sb.incompatFlags());
  }

  @Test
  void checksumOk_onlyForTheSuperblockSalt() {
    ByteBuffer b = handBuilt();
    assertTrue(Superblock.checksumOk(b));

    Checksums.stamp(b, BlockKind.NODE);
    assertFalse(Superblock.checksumOk(b));
  }

  @Test
  void encode_thenDecode_roundTrips_withZeroedJunk() {
    Superblock sb = Superblock.decode(handBuilt());

    ByteBuffer b = sb.encode();

    assertEquals(sb, Superblock.decode(b));
    assertTrue(Superblock.checksumOk(b));
    assertEquals(0, b.get(64 + 40));
    assertEquals(0, b.get(16));
  }

  @Test
  void withFlags_changesOnlyTheFlagsAndTheChecksum() {
    ByteBuffer original = handBuilt();

    ByteBuffer cleared = Superblock.withFlags(original, 0);

    assertTrue(Superblock.checksumOk(cleared));
    assertFalse(Superblock.decode(cleared).needsCheck());
    for (int i = 8; i < Blocks.BLOCK_SIZE; i++) {
      assertEquals(original.get(i), cleared.get(i), "byte " + i);
    }
    assertEquals(1, original.getInt(4));
  }

  @Test
  void withRoots_replacesOnlyTheRoots() {
    Superblock sb = Superblock.decode(handBuilt());

    Superblock o = sb.withRoots(100, 200);

    assertEquals(100, o.mappingRoot());
    assertEquals(200, o.detailsRoot());
    assertEquals(sb.withRoots(7, 6), sb);
  }
}
