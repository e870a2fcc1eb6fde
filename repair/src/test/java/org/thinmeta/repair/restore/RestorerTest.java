package org.thinmeta.repair.restore;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.thinmeta.pdata.io.BlockDevice;
import org.thinmeta.pdata.io.MemoryBlockDevice;
import org.thinmeta.pdata.spacemap.IndexEntry;
import org.thinmeta.repair.check.CheckListener;
import org.thinmeta.repair.check.CheckOptions;
import org.thinmeta.repair.check.CheckReport;
import org.thinmeta.repair.check.ThinChecker;
import org.thinmeta.thin.format.Superblock;
import org.thinmeta.thin.ir.InvalidInputException;
import org.thinmeta.thin.read.Dumper;
import org.thinmeta.thin.read.MetadataReader;
import org.thinmeta.thin.xml.XmlMetadataReader;
import org.thinmeta.thin.xml.XmlWriter;

class RestorerTest {
  static final String HEAD =
      "<superblock uuid=\"\" time=\"1\" transaction=\"2\" flags=\"0\" version=\"2\""
          + " data_block_size=\"128\" nr_data_blocks=\"1024\">\n";

  static MemoryBlockDevice restore(String xml, long blocks, Restorer.Options o) throws IOException {
    MemoryBlockDevice dev = new MemoryBlockDevice(blocks);
    Restorer.restore(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)), dev, o);
    return dev;
  }

  static String dump(BlockDevice dev) throws IOException {
    Superblock sb = MetadataReader.readSuperblock(dev);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    new Dumper(dev).dump(sb, Dumper.info(sb), Dumper.Options.ALL, new XmlWriter(out));
    return out.toString(StandardCharsets.UTF_8);
  }

  static String device(int id, int mapped, String body) {
    return "  <device dev_id=\""
        + id
        + "\" mapped_blocks=\""
        + mapped
        + "\" transaction=\"0\" creation_time=\"0\" snap_time=\"1\">\n"
        + body
        + "  </device>\n";
  }

  static final String EXAMPLE =
      HEAD.replace("version=\"2\"", "version=\"1\"")
          + device(
              0,
              6,
              "    <range_mapping origin_begin=\"0\" data_begin=\"0\" length=\"4\" time=\"0\"/>\n"
                  + "    <single_mapping origin_block=\"10\" data_block=\"20\" time=\"0\"/>\n"
                  + "    <single_mapping origin_block=\"11\" data_block=\"30\" time=\"1\"/>\n")
          + device(
              1,
              5,
              "    <range_mapping origin_begin=\"0\" data_begin=\"0\" length=\"4\" time=\"0\"/>\n"
                  + "    <single_mapping origin_block=\"10\" data_block=\"21\" time=\"1\"/>\n")
          + "</superblock>\n";

  @Test
  void restore_formatDocExample_dumpsBackIdentically_exceptVersion2() throws IOException {
    MemoryBlockDevice dev = restore(EXAMPLE, 16, Restorer.Options.NONE);
    Superblock sb = ImageVerifier.verify(dev);
    assertEquals(EXAMPLE.replace("version=\"1\"", "version=\"2\""), dump(dev));
    // Format doc 9.3 layout: two device leaves, details, top-level, data bitmap, data ref-count
    // leaf, data index leaf, metadata index, metadata bitmap, metadata ref-count leaf.
    assertEquals(2, sb.detailsRoot() - 1);
    assertEquals(11, sb.metadataSmRoot().nrAllocated());
    assertEquals(7, sb.dataSmRoot().nrAllocated());
    assertEquals(1024, sb.dataSmRoot().nrBlocks());
    assertEquals(2, sb.transactionId());
    assertEquals(1, sb.time());
  }

  @Test
  void restore_defAndRef_sharesTheLeaves_withExactCounts() throws IOException {
    StringBuilder def = new StringBuilder("  <def name=\"37\">\n");
    for (int i = 0; i < 600; i++) {
      def.append("    <single_mapping origin_block=\"")
          .append(i)
          .append("\" data_block=\"")
          .append(i + 200)
          .append("\" time=\"0\"/>\n");
    }
    def.append("  </def>\n");
    String xml =
        HEAD
            + def
            + device(1, 600, "    <ref name=\"37\"/>\n")
            + device(2, 600, "    <ref name=\"37\"/>\n")
            + device(
                3,
                601,
                "    <ref name=\"37\"/>\n"
                    + "    <single_mapping origin_block=\"5000\" data_block=\"1\" time=\"1\"/>\n")
            + "</superblock>\n";
    MemoryBlockDevice dev = restore(xml, 64, Restorer.Options.NONE);
    Superblock sb = ImageVerifier.verify(dev);
    // 3 shared leaves (252, 174, 174) + device 3 takes them too, then a leaf of its own would be
    // under-full, so its last shared leaf is copied and re-packed with the extra mapping.
    assertEquals(600, sb.dataSmRoot().nrAllocated() - 1);
    String expanded = dump(dev);
    StringBuilder plain = new StringBuilder(HEAD);
    for (int d = 1; d <= 3; d++) {
      StringBuilder body = new StringBuilder();
      for (int i = 0; i < 600; i++) {
        body.append("    <single_mapping origin_block=\"")
            .append(i)
            .append("\" data_block=\"")
            .append(i + 200)
            .append("\" time=\"0\"/>\n");
      }
      if (d == 3) {
        body.append("    <single_mapping origin_block=\"5000\" data_block=\"1\" time=\"1\"/>\n");
      }
      plain.append(device(d, d == 3 ? 601 : 600, body.toString()));
    }
    plain.append("</superblock>\n");
    // Unshared, the same pool dumps the same but needs more metadata blocks than shared.
    MemoryBlockDevice unshared = restore(plain.toString(), 64, Restorer.Options.NONE);
    assertEquals(dump(unshared), expanded);
    assertTrue(
        MetadataReader.readSuperblock(unshared).metadataSmRoot().nrAllocated()
            > sb.metadataSmRoot().nrAllocated() + 4);
  }

  @Test
  void restore_unusedDef_isFreedWithItsDataReferences() throws IOException {
    String xml =
        HEAD
            + "  <def name=\"x\">\n"
            + "    <range_mapping origin_begin=\"0\" data_begin=\"100\" length=\"10\" time=\"0\"/>\n"
            + "  </def>\n"
            + device(1, 0, "")
            + "</superblock>\n";
    MemoryBlockDevice dev = restore(xml, 32, Restorer.Options.NONE);
    Superblock sb = ImageVerifier.verify(dev);
    assertEquals(0, sb.dataSmRoot().nrAllocated());
  }

  @Test
  void restore_overrides_transactionMax_blockSizeReplaced_nrDataBlocksMaxWithBitmaps()
      throws IOException {
    MemoryBlockDevice dev = restore(EXAMPLE, 64, new Restorer.Options(1L, 256L, 50000L));
    Superblock sb = ImageVerifier.verify(dev);
    assertEquals(2, sb.transactionId(), "the larger of XML 2 and override 1");
    assertEquals(256, sb.dataBlockSize());
    assertEquals(50000, sb.dataSmRoot().nrBlocks());
    dev = restore(EXAMPLE, 64, new Restorer.Options(9L, null, 10L));
    sb = ImageVerifier.verify(dev);
    assertEquals(9, sb.transactionId());
    assertEquals(1024, sb.dataSmRoot().nrBlocks(), "the larger of XML 1024 and override 10");
  }

  @Test
  void restore_mappedBlocks_countedFromTheMappings_notCopied() throws IOException {
    String xml =
        HEAD
            + "  <def name=\"d\">\n"
            + "    <range_mapping origin_begin=\"0\" data_begin=\"0\" length=\"7\" time=\"0\"/>\n"
            + "  </def>\n"
            + device(
                1,
                999,
                "    <ref name=\"d\"/>\n"
                    + "    <single_mapping origin_block=\"9\" data_block=\"9\" time=\"0\"/>\n")
            + device(2, 0, "    <ref name=\"d\"/>\n")
            + "</superblock>\n";
    MemoryBlockDevice dev = restore(xml, 32, Restorer.Options.NONE);
    ImageVerifier.verify(dev);
    String out = dump(dev);
    assertTrue(out.contains("<device dev_id=\"1\" mapped_blocks=\"8\""), out);
    assertTrue(out.contains("<device dev_id=\"2\" mapped_blocks=\"7\""), out);
  }

  @Test
  void restore_emptyPool_andDeviceWithoutMappings() throws IOException {
    String xml = HEAD + device(7, 0, "") + "</superblock>\n";
    MemoryBlockDevice dev = restore(xml, 10, Restorer.Options.NONE);
    ImageVerifier.verify(dev);
    assertEquals(xml.replace("version=\"2\"", "version=\"2\""), dump(dev));
    MemoryBlockDevice empty = restore(HEAD + "</superblock>\n", 10, Restorer.Options.NONE);
    ImageVerifier.verify(empty);
  }

  private final java.util.List<String> expectedMessages = new java.util.ArrayList<>();
  private final java.util.List<String> actualMessages = new java.util.ArrayList<>();

  /**
   * Rejects {@code xml} twice: over valid old metadata, which must be left exactly as it was, and
   * over an output whose old superblock is valid but whose space map is not, which must be left
   * without a valid superblock.
   */
  private void assertRejected(String xml, String message) throws IOException {
    MemoryBlockDevice dev = restore(EXAMPLE, 64, Restorer.Options.NONE);
    byte[] before = dev.toByteArray();
    IOException e = assertThrows(IOException.class, () -> restoreOver(dev, xml));
    expectedMessages.add(message);
    actualMessages.add(e.getMessage());
    assertOldMetadataIntact(before, dev);

    MemoryBlockDevice broken = restore(EXAMPLE, 64, Restorer.Options.NONE);
    breakMetadataSpaceMap(broken);
    assertTrue(Superblock.checksumOk(broken.read(0)));
    IOException e2 = assertThrows(IOException.class, () -> restoreOver(broken, xml));
    assertEquals(e.getMessage(), e2.getMessage());
    assertArrayEquals(new byte[4096], broken.read(0).array(), "block 0 zeroed");
  }

  static Superblock restoreOver(BlockDevice dev, String xml) throws IOException {
    return Restorer.restore(
        new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)), dev, Restorer.Options.NONE);
  }

  /** Spoils the checksum of the first metadata space-map bitmap (the superblock stays valid). */
  static void breakMetadataSpaceMap(BlockDevice dev) throws IOException {
    Superblock sb = MetadataReader.readSuperblock(dev);
    IndexEntry first = IndexEntry.decode(dev.read(sb.metadataSmRoot().bitmapRoot()), 16);
    ByteBuffer bitmap = dev.read(first.blockNr());
    bitmap.put(4000, (byte) (bitmap.get(4000) ^ 0x40));
    dev.write(first.blockNr(), bitmap);
  }

  /**
   * Asserts that {@code dev} still holds the metadata the image {@code before} held: every block
   * its space map counts (block 0 included) byte for byte, exact counts, the same dump.
   */
  static void assertOldMetadataIntact(byte[] before, BlockDevice dev) throws IOException {
    long[] used = OldMetadata.usedBlocks(MemoryBlockDevice.of(before));
    assertNotNull(used, "the old image holds valid metadata");
    int kept = 0;
    for (int b = 0; b < before.length / 4096; b++) {
      if ((used[b >>> 6] & (1L << b)) != 0) {
        assertArrayEquals(
            Arrays.copyOfRange(before, b * 4096, (b + 1) * 4096),
            dev.read(b).array(),
            "old block " + b);
        kept++;
      }
    }
    assertTrue(kept > 5, kept + " old blocks");
    ImageVerifier.verify(dev);
    assertEquals(dump(MemoryBlockDevice.of(before)), dump(dev));
  }

  /** A device with {@code n} single mappings at every other thin block (one leaf per 252). */
  static String sparseDevice(int id, int n, int dataOffset) {
    StringBuilder body = new StringBuilder();
    for (int i = 0; i < n; i++) {
      body.append("    <single_mapping origin_block=\"")
          .append(2 * i)
          .append("\" data_block=\"")
          .append((dataOffset + i) % 1024)
          .append("\" time=\"0\"/>\n");
    }
    return device(id, n, body.toString());
  }

  @Test
  void restore_overValidOldMetadata_writesOnlyItsFreeBlocks_andCountsOnlyTheNewPool()
      throws IOException {
    String a = HEAD + sparseDevice(1, 1000, 0) + sparseDevice(2, 300, 5) + "</superblock>\n";
    String b = HEAD + sparseDevice(3, 700, 9) + "</superblock>\n";
    MemoryBlockDevice dev = restore(a, 64, Restorer.Options.NONE);
    String expected = dump(restore(b, 64, Restorer.Options.NONE));
    for (int round = 0; round < 3; round++) {
      byte[] before = dev.toByteArray();
      long[] old = OldMetadata.usedBlocks(dev);
      String xml = round % 2 == 0 ? b : a;
      Restorer r = new Restorer(dev, Restorer.Options.NONE);
      r.prepareOutput();
      XmlMetadataReader.read(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)), r);
      r.close();
      assertTrue(r.keepsOldMetadata(), "round " + round + ": the new pool fits beside the old");
      Superblock sb = ImageVerifier.verify(dev);
      assertEquals(
          CheckReport.Outcome.CLEAN,
          new ThinChecker(dev, CheckListener.NONE).check(CheckOptions.DEFAULT).outcome());
      if (round == 0) {
        assertEquals(expected, dump(dev));
      }
      long[] now = OldMetadata.usedBlocks(dev);
      int newBlocks = 0;
      for (int blk = 1; blk < 64; blk++) {
        boolean wasOld = (old[blk >>> 6] & (1L << blk)) != 0;
        boolean isNew = (now[blk >>> 6] & (1L << blk)) != 0;
        assertFalse(wasOld && isNew, "round " + round + ": block " + blk + " in both pools");
        if (wasOld) {
          assertArrayEquals(
              Arrays.copyOfRange(before, blk * 4096, (blk + 1) * 4096),
              dev.read(blk).array(),
              "round " + round + ": old block " + blk + " untouched");
        }
        newBlocks += isNew ? 1 : 0;
      }
      assertEquals(sb.metadataSmRoot().nrAllocated(), newBlocks + 1, "the new pool's blocks only");
    }
  }

  @Test
  void restore_overOldMetadataLeavingTooLittleFree_fallsBackToTheWholeDevice() throws IOException {
    String a = HEAD + sparseDevice(1, 5000, 0) + "</superblock>\n";
    String b = HEAD + sparseDevice(2, 3000, 3) + "</superblock>\n";
    MemoryBlockDevice dev = restore(a, 40, Restorer.Options.NONE);
    long oldUsed = MetadataReader.readSuperblock(dev).metadataSmRoot().nrAllocated();
    Restorer r = new Restorer(dev, Restorer.Options.NONE);
    r.prepareOutput();
    assertTrue(r.keepsOldMetadata());
    XmlMetadataReader.read(new ByteArrayInputStream(b.getBytes(StandardCharsets.UTF_8)), r);
    r.close();
    assertFalse(r.keepsOldMetadata(), "the old blocks were needed");
    Superblock sb = ImageVerifier.verify(dev);
    assertTrue(
        oldUsed + sb.metadataSmRoot().nrAllocated() > 41,
        oldUsed + " + " + sb.metadataSmRoot().nrAllocated() + " blocks do not fit in 40");
    assertEquals(dump(restore(b, 40, Restorer.Options.NONE)), dump(dev));
  }

  @Test
  void restore_overUnreadableOldMetadata_zeroesBlock0First() throws IOException {
    MemoryBlockDevice dev = restore(EXAMPLE, 64, Restorer.Options.NONE);
    breakMetadataSpaceMap(dev);
    Restorer r = new Restorer(dev, Restorer.Options.NONE);
    r.prepareOutput();
    assertFalse(r.keepsOldMetadata());
    assertArrayEquals(new byte[4096], dev.read(0).array());
    r.close();
    // Garbage and a superblock with a wrong blocknr are not metadata either.
    MemoryBlockDevice garbage = new MemoryBlockDevice(16);
    java.util.Random rnd = new java.util.Random(1);
    for (int blk = 0; blk < 16; blk++) {
      byte[] g = new byte[4096];
      rnd.nextBytes(g);
      garbage.write(blk, ByteBuffer.wrap(g));
    }
    assertNull(OldMetadata.usedBlocks(garbage));
    MemoryBlockDevice moved = restore(EXAMPLE, 64, Restorer.Options.NONE);
    assertNotNull(OldMetadata.usedBlocks(moved));
    ByteBuffer sb = moved.read(0);
    sb.putLong(8, 1);
    org.thinmeta.pdata.checksum.Checksums.stamp(
        sb, org.thinmeta.pdata.checksum.BlockKind.THIN_SUPERBLOCK);
    moved.write(0, sb);
    assertTrue(Superblock.checksumOk(moved.read(0)));
    assertNull(OldMetadata.usedBlocks(moved));
  }

  @Test
  void restore_semanticErrors_areOneLineWithPosition_andLeaveTheOldMetadataOrNoSuperblock()
      throws IOException {
    assertRejected(
        HEAD + device(1, 0, "") + device(1, 0, "") + "</superblock>",
        "duplicated device id 1 at line 4, column 3");
    assertRejected(
        HEAD
            + device(
                1,
                0,
                "<range_mapping origin_begin=\"0\" data_begin=\"0\" length=\"4\" time=\"0\"/>\n"
                    + "<single_mapping origin_block=\"3\" data_block=\"9\" time=\"0\"/>\n")
            + "</superblock>",
        "overlapping mappings: thin block 3 of device 1 is already mapped at line 4, column 1");
    assertRejected(
        HEAD
            + device(
                1,
                0,
                "<single_mapping origin_block=\"5\" data_block=\"9\" time=\"0\"/>\n"
                    + "<single_mapping origin_block=\"3\" data_block=\"9\" time=\"0\"/>\n")
            + "</superblock>",
        "keys out of order: thin block 3 of device 1 comes after thin block 5 at line 4, column 1");
    assertRejected(
        HEAD
            + device(
                1,
                0,
                "<range_mapping origin_begin=\"0\" data_begin=\"1020\" length=\"10\" time=\"0\"/>\n")
            + "</superblock>",
        "block out of bounds: device 1 maps thin block 4 to data block 1024,"
            + " but the pool has 1024 data blocks at line 3, column 1");
    assertRejected(
        HEAD
            + device(
                1, 0, "<single_mapping origin_block=\"5\" data_block=\"9\" time=\"16777216\"/>\n")
            + "</superblock>",
        "mapping time 16777216 of device 1 does not fit in 24 bits at line 3, column 1");
    assertRejected(
        HEAD + device(1, 0, "<ref name=\"nope\"/>\n") + "</superblock>",
        "Couldn't find sub tree 'nope' at line 3, column 1");
    assertRejected(
        HEAD.replace("\"128\"", "\"100\"") + "</superblock>",
        "invalid data block size 100: it must be a multiple of 128 sectors between 128 and"
            + " 2097152 at line 1, column 1");
    assertRejected(
        HEAD + "  <def name=\"a\">\n  </def>\n  <def name=\"a\">\n  </def>\n</superblock>",
        "duplicated def 'a' at line 4, column 3");
    assertEquals(String.join("\n", expectedMessages), String.join("\n", actualMessages));
  }

  @Test
  void restore_tooSmallForTheContent_outOfMetadataSpace_noSuperblock() throws IOException {
    StringBuilder body = new StringBuilder();
    for (int i = 0; i < 3000; i++) {
      body.append("<single_mapping origin_block=\"")
          .append(i)
          .append("\" data_block=\"")
          .append(i % 1024)
          .append("\" time=\"0\"/>\n");
    }
    String xml = HEAD + device(1, 3000, body.toString()) + "</superblock>\n";
    // The old pool leaves one block free: the restore gives the old metadata up (block 0 zeroed)
    // to use its blocks, and then runs out of space all the same.
    MemoryBlockDevice dev = restore(EXAMPLE, 12, Restorer.Options.NONE);
    IOException e =
        assertThrows(
            IOException.class,
            () ->
                Restorer.restore(
                    new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)),
                    dev,
                    Restorer.Options.NONE));
    assertEquals("out of metadata space", e.getMessage());
    assertFalse(Superblock.checksumOk(dev.read(0)));
    assertArrayEquals(new byte[4096], dev.read(0).array());
    // A data space map bigger than the output is refused before anything is written.
    int[] writes = {0};
    MemoryBlockDevice mem = new MemoryBlockDevice(12);
    org.thinmeta.pdata.io.BlockDevice small =
        new org.thinmeta.pdata.io.BlockDevice() {
          @Override
          public long nrBlocks() {
            return mem.nrBlocks();
          }

          @Override
          public java.nio.ByteBuffer read(long location) throws IOException {
            return mem.read(location);
          }

          @Override
          public void write(long location, java.nio.ByteBuffer block) throws IOException {
            writes[0]++;
            mem.write(location, block);
          }

          @Override
          public void flush() {}

          @Override
          public boolean readOnly() {
            return false;
          }

          @Override
          public String description() {
            return "counting";
          }

          @Override
          public void close() {}
        };
    IOException e2 =
        assertThrows(
            IOException.class,
            () ->
                new Restorer(small, new Restorer.Options(null, null, 1L << 30))
                    .superblockBegin(
                        new org.thinmeta.thin.ir.SuperblockInfo(
                            "", 0, 0, null, null, 128, 1, null)));
    assertEquals("out of metadata space", e2.getMessage());
    assertEquals(0, writes[0]);
  }

  @Test
  void restore_incompleteInput_rejected() throws IOException {
    assertThrows(InvalidInputException.class, () -> restore(HEAD, 16, Restorer.Options.NONE));
  }
}
