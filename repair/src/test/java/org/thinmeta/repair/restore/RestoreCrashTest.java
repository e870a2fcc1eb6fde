package org.thinmeta.repair.restore;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.thinmeta.pdata.io.MemoryBlockDevice;
import org.thinmeta.pdata.io.VolatileCacheDevice;
import org.thinmeta.repair.check.CheckListener;
import org.thinmeta.repair.check.CheckOptions;
import org.thinmeta.repair.check.CheckReport;
import org.thinmeta.repair.check.ThinChecker;
import org.thinmeta.thin.format.Superblock;
import org.thinmeta.thin.read.Dumper;
import org.thinmeta.thin.read.MetadataReader;
import org.thinmeta.thin.xml.XmlWriter;

/**
 * Crash safety of thin_restore with a volatile write cache: a power cut at any write or flush, with
 * several outcomes of the cache each, leaves an output whose superblock does not look valid, or the
 * whole restored pool, which thin_check passes. Restore overwrites its output in place, so the old
 * contents cannot survive (format doc §9.1); what must never happen is a valid superblock over
 * trees that did not reach the disk.
 */
class RestoreCrashTest {
  private static final int SEEDS = 4;

  private static String xml() {
    StringBuilder sb = new StringBuilder();
    sb.append(
        "<superblock uuid=\"\" time=\"2\" transaction=\"5\" data_block_size=\"128\""
            + " nr_data_blocks=\"40000\">\n");
    for (int dev = 0; dev < 3; dev++) {
      sb.append("  <device dev_id=\"")
          .append(dev)
          .append(
              "\" mapped_blocks=\"0\" transaction=\"1\" creation_time=\"0\" snap_time=\"1\">\n");
      for (int i = 0; i < 700; i++) {
        sb.append("    <single_mapping origin_block=\"")
            .append(i * 3)
            .append("\" data_block=\"")
            .append(dev * 10000 + i * 7 % 9000)
            .append("\" time=\"")
            .append(i % 2)
            .append("\"/>\n");
      }
      sb.append("  </device>\n");
    }
    return sb.append("</superblock>\n").toString();
  }

  @Test
  void restore_crashAnywhere_leavesNoValidSuperblockOrTheWholePool() throws IOException {
    byte[] in = xml().getBytes(StandardCharsets.UTF_8);
    byte[] old = new byte[512 * 4096];
    MemoryBlockDevice previous = MemoryBlockDevice.of(old);
    Restorer.restore(new ByteArrayInputStream(in), previous, Restorer.Options.NONE);
    old = previous.toByteArray();

    VolatileCacheDevice dry = new VolatileCacheDevice(old, 0);
    Restorer.restore(new ByteArrayInputStream(in), dry, Restorer.Options.NONE);
    byte[] expectedDump = dump(dry.durableImage());
    long writes = dry.writes();
    long flushes = dry.flushes();
    assertTrue(writes > 10 && flushes >= 3, writes + " writes, " + flushes + " flushes");

    int tried = 0;
    int whole = 0;
    for (int kind = 0; kind < 2; kind++) {
      long points = kind == 0 ? writes : flushes;
      for (long n = 1; n <= points; n++) {
        for (int seed = 0; seed < SEEDS; seed++) {
          VolatileCacheDevice dev = new VolatileCacheDevice(old, n * 104729 + seed);
          if (kind == 0) {
            dev.crashAtWrite(n);
          } else {
            dev.crashAtFlush(n);
          }
          try {
            Restorer.restore(new ByteArrayInputStream(in), dev, Restorer.Options.NONE);
          } catch (IOException | RuntimeException e) {
            // The simulated power cut.
          }
          dev.crash();
          byte[] image = dev.durableImage();
          MemoryBlockDevice after = MemoryBlockDevice.of(image);
          if (Superblock.checksumOk(after.read(0))) {
            CheckReport r =
                new ThinChecker(after, new CheckListener() {}).check(CheckOptions.DEFAULT);
            assertTrue(r.passed(false), "crash point " + n + ": valid superblock but " + r);
            assertArrayEquals(expectedDump, dump(image), "crash point " + n);
            whole++;
          }
          tried++;
        }
      }
    }
    System.out.println(
        "restore crash points tried: " + tried + " (" + whole + " left the whole new pool)");
    assertTrue(whole > 0 && whole < tried, "both outcomes seen: " + whole + " of " + tried);
  }

  private static byte[] dump(byte[] image) throws IOException {
    MemoryBlockDevice dev = MemoryBlockDevice.of(image);
    Superblock sb = MetadataReader.readSuperblock(dev);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    new Dumper(dev).dump(sb, Dumper.info(sb), Dumper.Options.ALL, new XmlWriter(out));
    return out.toByteArray();
  }
}
