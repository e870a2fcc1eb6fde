package org.thinmeta.repair.restore;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.thinmeta.pdata.io.MemoryBlockDevice;
import org.thinmeta.thin.format.Superblock;
import org.thinmeta.thin.ir.DeviceInfo;
import org.thinmeta.thin.ir.MetadataVisitor;
import org.thinmeta.thin.ir.SuperblockInfo;
import org.thinmeta.thin.read.Dumper;
import org.thinmeta.thin.read.MetadataReader;

/**
 * Random pools, with devices made of their own mappings and of shared defs in any order: the
 * restored image holds exactly the expanded mappings, and every reference count is exact.
 */
class RestorerPropertyTest {
  /** Collects (device -> "thin data time" lines) from a dump. */
  static final class Collector implements MetadataVisitor {
    final TreeMap<Long, List<String>> devices = new TreeMap<>();
    List<String> current;

    @Override
    public void superblockBegin(SuperblockInfo sb) {}

    @Override
    public void superblockEnd() {}

    @Override
    public void deviceBegin(DeviceInfo dev) {
      current = new ArrayList<>();
      devices.put(dev.devId(), current);
    }

    @Override
    public void deviceEnd() {}

    @Override
    public void map(long thin, long data, long length, long time) {
      for (long i = 0; i < length; i++) {
        current.add((thin + i) + " " + (data + i) + " " + time);
      }
    }
  }

  @Property(tries = 60)
  void restoredPool_holdsExactlyTheExpandedMappings_withExactCounts(
      @ForAll @IntRange(min = 0, max = Integer.MAX_VALUE) int seed) throws IOException {
    Random rnd = new Random(seed);
    int nrData = 1 + rnd.nextInt(40000);
    StringBuilder xml =
        new StringBuilder(
            "<superblock uuid=\"\" time=\"3\" transaction=\"1\" data_block_size=\"128\""
                + " nr_data_blocks=\""
                + nrData
                + "\">\n");
    int nDefs = rnd.nextInt(4);
    List<List<String>> defMappings = new ArrayList<>();
    for (int d = 0; d < nDefs; d++) {
      // def d covers thin blocks [d * 100000, d * 100000 + size)
      int size = rnd.nextInt(5) == 0 ? rnd.nextInt(20) : rnd.nextInt(1500);
      List<String> m = new ArrayList<>();
      xml.append("  <def name=\"d").append(d).append("\">\n");
      for (int i = 0; i < size; i++) {
        long thin = d * 100000L + i;
        long data = rnd.nextInt(nrData);
        xml.append("    <single_mapping origin_block=\"")
            .append(thin)
            .append("\" data_block=\"")
            .append(data)
            .append("\" time=\"1\"/>\n");
        m.add(thin + " " + data + " 1");
      }
      xml.append("  </def>\n");
      defMappings.add(m);
    }
    TreeMap<Long, List<String>> expected = new TreeMap<>();
    int nDevs = rnd.nextInt(6);
    for (int dev = 0; dev < nDevs; dev++) {
      List<String> exp = new ArrayList<>();
      xml.append("  <device dev_id=\"")
          .append(dev * 3)
          .append(
              "\" mapped_blocks=\"0\" transaction=\"0\" creation_time=\"0\""
                  + " snap_time=\"0\">\n");
      for (int seg = 0; seg < 4; seg++) {
        int choice = rnd.nextInt(3);
        if (choice == 1 && seg < nDefs) {
          xml.append("    <ref name=\"d").append(seg).append("\"/>\n");
          exp.addAll(defMappings.get(seg));
        } else if (choice == 2) {
          int n = rnd.nextInt(700);
          long thin = seg * 100000L + 50000 + rnd.nextInt(1000);
          for (int i = 0; i < n; i++) {
            long len = 1 + rnd.nextInt(3);
            long data = rnd.nextInt((int) Math.max(1, nrData - len));
            if (data + len > nrData) {
              continue;
            }
            xml.append("    <range_mapping origin_begin=\"")
                .append(thin)
                .append("\" data_begin=\"")
                .append(data)
                .append("\" length=\"")
                .append(len)
                .append("\" time=\"2\"/>\n");
            for (long k = 0; k < len; k++) {
              exp.add((thin + k) + " " + (data + k) + " 2");
            }
            thin += len + rnd.nextInt(2);
          }
        }
      }
      xml.append("  </device>\n");
      expected.put((long) dev * 3, exp);
    }
    xml.append("</superblock>\n");

    MemoryBlockDevice out = new MemoryBlockDevice(1200);
    Restorer.restore(
        new ByteArrayInputStream(xml.toString().getBytes(StandardCharsets.UTF_8)),
        out,
        Restorer.Options.NONE);
    ImageVerifier.verify(out);
    assertPool(out, expected);
    // Again over the pool just written: laid out around its blocks (or over them, where they do
    // not leave room), with the same exact counts and mappings.
    Restorer.restore(
        new ByteArrayInputStream(xml.toString().getBytes(StandardCharsets.UTF_8)),
        out,
        Restorer.Options.NONE);
    ImageVerifier.verify(out);
    assertPool(out, expected);
  }

  private static void assertPool(MemoryBlockDevice out, TreeMap<Long, List<String>> expected)
      throws IOException {
    org.thinmeta.repair.check.CheckReport report =
        new org.thinmeta.repair.check.ThinChecker(out, org.thinmeta.repair.check.CheckListener.NONE)
            .check(org.thinmeta.repair.check.CheckOptions.DEFAULT);
    assertEquals(
        org.thinmeta.repair.check.CheckReport.Outcome.CLEAN,
        report.outcome(),
        () -> report.problems().toString());
    Superblock sb = MetadataReader.readSuperblock(out);
    Collector c = new Collector();
    new Dumper(out).dump(sb, Dumper.info(sb), Dumper.Options.ALL, c);
    assertEquals(expected, c.devices);
  }
}
