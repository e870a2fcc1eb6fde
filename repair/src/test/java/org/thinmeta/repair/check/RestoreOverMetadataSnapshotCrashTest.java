package org.thinmeta.repair.check;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.thinmeta.pdata.io.MemoryBlockDevice;
import org.thinmeta.repair.restore.CrashRun;
import org.thinmeta.repair.restore.CrashRun.Outcome;
import org.thinmeta.repair.restore.Restorer;

/**
 * A restore over a pool with a metadata snapshot keeps the snapshot's blocks too (the old space map
 * counts them, format doc §5, §6): crashed anywhere, the output is the old pool with its snapshot
 * (thin_check, which checks the snapshot's trees, passes, and the snapshot's blocks are as they
 * were) or the new pool.
 */
class RestoreOverMetadataSnapshotCrashTest {
  @Test
  void restore_overAPoolWithAMetadataSnapshot_crashAnywhere_keepsTheSnapshotOrGivesTheNewPool()
      throws IOException {
    Pools.Pool pool = Pools.withSnapshot();
    MemoryBlockDevice dev = pool.dev();
    byte[] old = dev.toByteArray();
    StringBuilder xml =
        new StringBuilder(
            "<superblock uuid=\"\" time=\"3\" transaction=\"9\" data_block_size=\"128\""
                + " nr_data_blocks=\"1000\">\n"
                + "  <device dev_id=\"4\" mapped_blocks=\"0\" transaction=\"1\""
                + " creation_time=\"0\" snap_time=\"0\">\n");
    for (int i = 0; i < 600; i++) {
      xml.append("    <single_mapping origin_block=\"")
          .append(2 * i)
          .append("\" data_block=\"")
          .append(i)
          .append("\" time=\"0\"/>\n");
    }
    xml.append("  </device>\n</superblock>\n");
    byte[] in = xml.toString().getBytes(StandardCharsets.UTF_8);

    // The blocks only the snapshot reaches are among those a restore keeps.
    Restorer probe = new Restorer(MemoryBlockDevice.of(old), Restorer.Options.NONE);
    probe.prepareOutput();
    assertTrue(probe.keepsOldMetadata());
    probe.close();
    long[] kept = CrashRun.oldMetadataBlocks(old);
    for (long blk : new long[] {pool.snapshot(), pool.leaf9()}) {
      assertTrue((kept[(int) (blk >>> 6)] & (1L << blk)) != 0, "snapshot-only block " + blk);
    }

    Map<Outcome, Integer> seen =
        CrashRun.everyPoint(
            "restore over a pool with a metadata snapshot",
            old,
            d -> Restorer.restore(new ByteArrayInputStream(in), d, Restorer.Options.NONE),
            3,
            EnumSet.of(Outcome.OLD, Outcome.NEW));
    assertTrue(seen.containsKey(Outcome.OLD) && seen.containsKey(Outcome.NEW), seen.toString());
  }
}
