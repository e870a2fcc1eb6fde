package org.thinmeta.pdata.checksum;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.thinmeta.pdata.io.Blocks;

/** The checksum rule of format doc §1.2, with its test vectors. */
class ChecksumsTest {
  /** Bit-by-bit CRC-32C register update (reflected polynomial 0x82F63B78), no final inversion. */
  private static int crcRegister(byte[] data, int from, int to) {
    int crc = 0xFFFFFFFF;
    for (int i = from; i < to; i++) {
      crc ^= data[i] & 0xff;
      for (int k = 0; k < 8; k++) {
        crc = (crc >>> 1) ^ ((crc & 1) != 0 ? 0x82F63B78 : 0);
      }
    }
    return crc;
  }

  @Test
  void referenceCrc_matchesTheStandardCheckValue() {
    byte[] check = "123456789".getBytes(StandardCharsets.US_ASCII);
    assertEquals(0xE3069283, ~crcRegister(check, 0, check.length));
  }

  @Test
  void zeroBlock_rawRegisterAndStandardCrc() {
    ByteBuffer zero = Blocks.allocate();

    assertEquals(0x58CDA791, Checksums.raw(zero));
    assertEquals(0xA732586E, ~Checksums.raw(zero));
  }

  @Test
  void zeroBlock_storedChecksumPerKind() {
    ByteBuffer zero = Blocks.allocate();

    assertEquals(0x58CFD397, Checksums.compute(zero, BlockKind.THIN_SUPERBLOCK));
    assertEquals(0x58CC7E82, Checksums.compute(zero, BlockKind.NODE));
    assertEquals(0x58CE0B1A, Checksums.compute(zero, BlockKind.BITMAP));
    assertEquals(0x58CFD54F, Checksums.compute(zero, BlockKind.INDEX));
  }

  @Test
  void salts_areTheDocumentedConstants() {
    assertEquals(160774, BlockKind.THIN_SUPERBLOCK.salt());
    assertEquals(121107, BlockKind.NODE.salt());
    assertEquals(240779, BlockKind.BITMAP.salt());
    assertEquals(160478, BlockKind.INDEX.salt());
    assertEquals(9031977, BlockKind.CACHE_SUPERBLOCK.salt());
    assertEquals(146538381, BlockKind.ERA_SUPERBLOCK.salt());
    assertEquals(595846735, BlockKind.ARRAY.salt());
  }

  @Test
  void stamp_writesLittleEndianAtOffset0_andCoversOnlyBytes4To4095() {
    ByteBuffer b = Blocks.allocate();
    b.put(4095, (byte) 7);

    Checksums.stamp(b, BlockKind.NODE);

    int expected = crcRegister(b.array(), 4, 4096) ^ 121107;
    assertEquals((byte) expected, b.get(0));
    assertEquals((byte) (expected >>> 24), b.get(3));
    assertEquals(expected, Checksums.stored(b));
    assertTrue(Checksums.verify(b, BlockKind.NODE));
    assertFalse(Checksums.verify(b, BlockKind.BITMAP));
  }

  @Test
  void verify_failsAfterAnyChangedByte() {
    ByteBuffer b = Blocks.allocate();
    Checksums.stamp(b, BlockKind.INDEX);

    b.put(2000, (byte) 1);

    assertFalse(Checksums.verify(b, BlockKind.INDEX));
    assertEquals(BlockKind.UNKNOWN, Checksums.classify(b));
  }

  @ParameterizedTest
  @EnumSource(
      value = BlockKind.class,
      names = {"UNKNOWN"},
      mode = EnumSource.Mode.EXCLUDE)
  void classify_recognisesEveryKind(BlockKind kind) {
    ByteBuffer b = Blocks.allocate();
    b.putLong(100, 0xDEADBEEFL);
    Checksums.stamp(b, kind);

    assertEquals(kind, Checksums.classify(b));
  }

  @Test
  void directAndBigEndianBuffers_giveTheSameResult() {
    ByteBuffer heap = Blocks.allocate();
    heap.putLong(8, 123456789L);
    ByteBuffer direct = ByteBuffer.allocateDirect(Blocks.BLOCK_SIZE);
    direct.put(heap.duplicate());
    direct.flip();

    assertEquals(Checksums.raw(heap), Checksums.raw(direct));
    Checksums.stamp(direct, BlockKind.NODE);
    assertEquals(ByteOrder.BIG_ENDIAN, direct.order());
    assertTrue(Checksums.verify(direct, BlockKind.NODE));
    assertEquals(
        Checksums.compute(heap, BlockKind.NODE), direct.order(ByteOrder.LITTLE_ENDIAN).getInt(0));
  }

  @Property(tries = 200)
  void raw_matchesABitwiseCrc32c(@ForAll @Size(4096) byte[] block) {
    int expected = crcRegister(block, 4, 4096);

    assertEquals(expected, Checksums.raw(ByteBuffer.wrap(block).order(ByteOrder.LITTLE_ENDIAN)));
  }
}
