package org.thinmeta.repair.restore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.thinmeta.pdata.io.MemoryBlockDevice;
import org.thinmeta.repair.restore.CrashRun.Outcome;
import org.thinmeta.thin.format.Superblock;
import org.thinmeta.thin.read.MetadataReader;

/**
 * Crash safety of thin_restore with a volatile write cache (unforced writes may be lost or reach
 * the media in any order): a power cut at any write or flush, with several fates of the cache each.
 * Over valid old metadata the output then holds exactly the old pool or exactly the new one; over
 * an output without valid metadata, no valid superblock or the new pool; and over old metadata that
 * leaves too little room, the old pool, no valid superblock or the new pool. What must never happen
 * is a valid superblock over trees that did not reach the disk.
 */
class RestoreCrashTest {
  private static final int SEEDS = 4;

  private static String xml(int devices, int mappings, int salt) {
    StringBuilder sb = new StringBuilder();
    sb.append(
        "<superblock uuid=\"\" time=\"2\" transaction=\""
            + (5 + salt)
            + "\" data_block_size=\"128\" nr_data_blocks=\"40000\">\n");
    for (int dev = 0; dev < devices; dev++) {
      sb.append("  <device dev_id=\"")
          .append(dev + salt)
          .append(
              "\" mapped_blocks=\"0\" transaction=\"1\" creation_time=\"0\" snap_time=\"1\">\n");
      for (int i = 0; i < mappings; i++) {
        sb.append("    <single_mapping origin_block=\"")
            .append(i * 3)
            .append("\" data_block=\"")
            .append(dev * 10000 + (i * 7 + salt) % 9000)
            .append("\" time=\"")
            .append(i % 2)
            .append("\"/>\n");
      }
      sb.append("  </device>\n");
    }
    return sb.append("</superblock>\n").toString();
  }

  private static byte[] restored(String xml, int blocks) throws IOException {
    MemoryBlockDevice dev = MemoryBlockDevice.of(new byte[blocks * 4096]);
    Restorer.restore(
        new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)), dev, Restorer.Options.NONE);
    return dev.toByteArray();
  }

  private static CrashRun.Writer restoring(String xml) {
    byte[] in = xml.getBytes(StandardCharsets.UTF_8);
    return dev -> Restorer.restore(new ByteArrayInputStream(in), dev, Restorer.Options.NONE);
  }

  @Test
  void restore_overAnotherPool_crashAnywhere_leavesExactlyTheOldPoolOrTheNew() throws IOException {
    byte[] old = restored(xml(2, 400, 1), 512);
    assertNotNull(OldMetadata.usedBlocks(MemoryBlockDevice.of(old)));
    Map<Outcome, Integer> seen =
        CrashRun.everyPoint(
            "restore over another pool",
            old,
            restoring(xml(3, 700, 0)),
            SEEDS,
            EnumSet.of(Outcome.OLD, Outcome.NEW));
    assertTrue(seen.containsKey(Outcome.OLD) && seen.containsKey(Outcome.NEW), seen.toString());
  }

  @Test
  void restore_overUnreadableMetadata_crashAnywhere_leavesNoValidSuperblockOrTheWholePool()
      throws IOException {
    // A valid superblock whose space map does not read back: not metadata to keep, so block 0 is
    // zeroed first and must never survive next to half-written trees.
    MemoryBlockDevice broken = MemoryBlockDevice.of(restored(xml(2, 400, 1), 512));
    RestorerTest.breakMetadataSpaceMap(broken);
    byte[] old = broken.toByteArray();
    assertTrue(Superblock.checksumOk(broken.read(0)));
    assertNull(OldMetadata.usedBlocks(broken));
    Map<Outcome, Integer> seen =
        CrashRun.everyPoint(
            "restore over unreadable metadata",
            old,
            restoring(xml(3, 700, 0)),
            SEEDS,
            EnumSet.allOf(Outcome.class));
    assertTrue(seen.containsKey(Outcome.NONE) && seen.containsKey(Outcome.NEW), seen.toString());
  }

  @Test
  void restore_overAPoolLeavingTooLittleRoom_crashAnywhere_leavesTheOldNoSuperblockOrTheNew()
      throws IOException {
    // The old pool takes about 30 of 48 blocks, the new one about 25: the new pool needs old blocks
    // and gives the old metadata up (block 0 zeroed and forced) when it does.
    byte[] old = restored(xml(2, 2500, 1), 48);
    long oldUsed =
        MetadataReader.readSuperblock(MemoryBlockDevice.of(old)).metadataSmRoot().nrAllocated();
    MemoryBlockDevice fresh = MemoryBlockDevice.of(new byte[48 * 4096]);
    Superblock sb =
        Restorer.restore(
            new ByteArrayInputStream(xml(2, 2000, 0).getBytes(StandardCharsets.UTF_8)),
            fresh,
            Restorer.Options.NONE);
    long newUsed = sb.metadataSmRoot().nrAllocated();
    assertTrue(oldUsed + newUsed > 49, oldUsed + " + " + newUsed);
    assertFalse(newUsed > 47, "fits alone: " + newUsed);
    Map<Outcome, Integer> seen =
        CrashRun.everyPoint(
            "restore over a pool leaving too little room",
            old,
            restoring(xml(2, 2000, 0)),
            SEEDS,
            EnumSet.allOf(Outcome.class));
    assertEquals(3, seen.size(), "every outcome: " + seen);
  }
}
