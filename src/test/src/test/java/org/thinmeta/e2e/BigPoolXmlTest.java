package org.thinmeta.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The measurement's XML generator at a small scale: the XML is what it claims, and a pool restored
 * from it by the reference dumps back to it, with the reference's thin_dump and with ours.
 */
class BigPoolXmlTest {
  private static final Pattern DEVICE =
      Pattern.compile("^  <device dev_id=\"(\\d+)\" mapped_blocks=\"(\\d+)\"");
  private static final Pattern SINGLE =
      Pattern.compile("^    <single_mapping origin_block=\"(\\d+)\" data_block=\"(\\d+)\"");
  private static final Pattern RANGE =
      Pattern.compile(
          "^    <range_mapping origin_begin=\"(\\d+)\" data_begin=\"(\\d+)\" length=\"(\\d+)\"");

  @TempDir Path dir;

  @Test
  void xml_hasTheRequestedMappings_consistentCounts_andSharing() throws Exception {
    Path xml = dir.resolve("pool.xml");

    long dataBlocks = BigPoolXml.write(xml, 20_001, 4);

    long total = 0;
    List<Set<Long>> data = new ArrayList<>();
    long declared = -1;
    long counted = 0;
    long lastV = -1;
    for (String line : Files.readAllLines(xml)) {
      Matcher m;
      if ((m = DEVICE.matcher(line)).find()) {
        declared = Long.parseLong(m.group(2));
        counted = 0;
        lastV = -1;
        data.add(new HashSet<>());
      } else if (line.equals("  </device>")) {
        assertEquals(declared, counted);
      } else if ((m = SINGLE.matcher(line)).find() || (m = RANGE.matcher(line)).find()) {
        long v = Long.parseLong(m.group(1));
        long d = Long.parseLong(m.group(2));
        long len = m.groupCount() == 3 ? Long.parseLong(m.group(3)) : 1;
        assertTrue(v > lastV, line);
        lastV = v + len - 1;
        for (long i = 0; i < len; i++) {
          assertTrue(data.get(data.size() - 1).add(d + i), "data block mapped twice: " + line);
          assertTrue(d + i < dataBlocks, line);
        }
        counted += len;
        total += len;
      }
    }
    assertEquals(20_001, total);
    assertEquals(4, data.size());
    Set<Long> shared = new HashSet<>(data.get(0));
    shared.retainAll(data.get(1));
    assertTrue(
        shared.size() > data.get(0).size() / 2 && shared.size() < data.get(0).size(),
        "the snapshot shares most, not all, of its origin's blocks: " + shared.size());
  }

  @Test
  void restoredByTheReference_dumpsBackToTheXml() throws Exception {
    assumeTrue(Reference.find("thin_restore") != null, "reference thin_restore not installed");
    Path xml = dir.resolve("pool.xml");
    BigPoolXml.write(xml, 30_000, 4);
    Path image = dir.resolve("pool.bin");
    try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
      f.setLength(8 << 20);
    }

    Cli.Result restore =
        Reference.run("thin_restore", "-i", xml.toString(), "-o", image.toString());
    assertEquals(0, restore.status(), restore::toString);

    byte[] expected = Files.readAllBytes(xml);
    assertArrayEquals(expected, Reference.run("thin_dump", image.toString()).stdoutBytes());
    Cli.Result ours = Cli.run("thin_dump", image.toString());
    assertEquals(0, ours.status(), ours::toString);
    assertArrayEquals(expected, ours.stdoutBytes());
  }
}
