package org.thinmeta.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.thinmeta.thin.format.Superblock;

/** thin_restore end to end: round trips of the kernel fixtures, messages, failure safety. */
class ThinRestoreTest {
  static List<String> valid() {
    return Fixtures.VALID;
  }

  static final String XML =
      "<superblock uuid=\"\" time=\"1\" transaction=\"2\" flags=\"0\" version=\"1\""
          + " data_block_size=\"128\" nr_data_blocks=\"1024\">\n"
          + "  <device dev_id=\"0\" mapped_blocks=\"5\" transaction=\"0\" creation_time=\"0\""
          + " snap_time=\"1\">\n"
          + "    <range_mapping origin_begin=\"0\" data_begin=\"0\" length=\"4\" time=\"0\"/>\n"
          + "    <single_mapping origin_block=\"10\" data_block=\"20\" time=\"0\"/>\n"
          + "  </device>\n"
          + "</superblock>\n";

  static Path file(Path dir, String name, long size) throws IOException {
    Path p = dir.resolve(name);
    try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
      f.setLength(size);
    }
    return p;
  }

  static Path xml(Path dir, String text) throws IOException {
    Path p = dir.resolve("in.xml");
    Files.writeString(p, text, StandardCharsets.UTF_8);
    return p;
  }

  @ParameterizedTest
  @MethodSource("valid")
  void roundTrip_dumpRestoreDump_sameXml_andBothChecksPass(String name, @TempDir Path dir)
      throws Exception {
    assumeTrue(Fixtures.available(), "shared fixtures missing");
    Path image = Fixtures.image(name);
    Cli.Result dump = Cli.run("thin_dump", image.toString());
    assertEquals(0, dump.status(), dump::toString);
    Path xml = dir.resolve(name + ".xml");
    Files.write(xml, dump.stdoutBytes());
    // Without <def> sharing, a restore needs more room than the kernel's shared trees took.
    Path out = file(dir, "out.bin", Math.max(Files.size(image), 16L << 20));
    Cli.Result restore = Cli.run("thin_restore", "-i", xml.toString(), "-o", out.toString());
    assertEquals(0, restore.status(), restore::toString);
    assertEquals("", restore.stderr());
    assertEquals(0, restore.stdoutBytes().length);
    Cli.Result again = Cli.run("thin_dump", out.toString());
    assertEquals(0, again.status(), again::toString);
    assertArrayEquals(
        dump.stdout().replaceFirst("version=\"[0-9]+\"", "version=\"2\"").getBytes(),
        again.stdoutBytes(),
        again::toString);
    Cli.Result ours = Cli.run("thin_check", out.toString());
    assertEquals(0, ours.status(), ours::toString);
    if (Reference.available()) {
      Cli.Result check = Reference.run("thin_check", out.toString());
      assertEquals(0, check.status(), check::toString);
    }
  }

  @Test
  void messages_inputAndOutputChecks(@TempDir Path dir) throws IOException {
    Path xml = xml(dir, XML);
    Cli.Result r = Cli.run("thin_restore", "-i", dir.resolve("nope.xml").toString(), "-o", "x");
    assertEquals(64, r.status());
    assertEquals("Couldn't find input file '" + dir.resolve("nope.xml") + "'\n", r.stderr());

    r = Cli.run("thin_restore", "-i", xml.toString(), "-o", dir.resolve("missing").toString());
    assertEquals(64, r.status());
    assertEquals("Couldn't find output file '" + dir.resolve("missing") + "'\n", r.stderr());

    r = Cli.run("thin_restore", "-i", xml.toString(), "-o", dir.toString());
    assertEquals(64, r.status());
    assertEquals("Invalid output file: Not a block device or regular file\n", r.stderr());

    Path small = file(dir, "small.bin", 40959);
    r = Cli.run("thin_restore", "-i", xml.toString(), "-o", small.toString());
    assertEquals(64, r.status());
    assertEquals("Output file too small.\n", r.stderr());
    assertArrayEquals(new byte[40959], Files.readAllBytes(small), "nothing written");

    r = Cli.run("thin_restore", "-q", "-i", xml.toString(), "-o", small.toString());
    assertEquals(64, r.status());
    assertEquals("", r.stderr());

    Path out = file(dir, "out.bin", 40960);
    r =
        Cli.run(
            "thin_restore", "-i", xml.toString(), "-o", out.toString(), "--data-block-size=100");
    assertEquals(64, r.status());
    assertEquals(
        "invalid data block size 100: it must be a multiple of 128 sectors between 128 and"
            + " 2097152\n",
        r.stderr());
    assertArrayEquals(new byte[40960], Files.readAllBytes(out), "nothing written");

    assertEquals(2, Cli.run("thin_restore", "-i", xml.toString()).status());
    assertEquals(2, Cli.run("thin_restore", "-o", out.toString()).status());
    r = Cli.run("thin_restore", "-i", xml.toString(), "-o", out.toString(), "--transaction-id=-1");
    assertEquals(2, r.status());
    assertEquals(
        2, Cli.run("thin_restore", "-i", xml.toString(), "-o", out.toString(), "--bogus").status());
  }

  @Test
  void restore_exactlyTenBlocks_fitsOneDevice_andOverridesApply(@TempDir Path dir)
      throws Exception {
    Path xml = xml(dir, XML);
    Path out = file(dir, "out.bin", 40960);
    Cli.Result r =
        Cli.run(
            "thin_restore",
            "-i",
            xml.toString(),
            "-o",
            out.toString(),
            "--transaction-id",
            "7",
            "--data-block-size",
            "256",
            "--nr-data-blocks",
            "16000");
    assertEquals(0, r.status(), r::toString);
    assertEquals(40960, Files.size(out), "not extended");
    Cli.Result d = Cli.run("thin_dump", out.toString());
    // mapped_blocks is recomputed from the 5 mappings, as 0.9.0 does (the XML claims 6).
    assertEquals(
        XML.replace(
                "transaction=\"2\" flags=\"0\" version=\"1\" data_block_size=\"128\""
                    + " nr_data_blocks=\"1024\"",
                "transaction=\"7\" flags=\"0\" version=\"2\" data_block_size=\"256\""
                    + " nr_data_blocks=\"16000\"")
            .replace("mapped_blocks=\"6\"", "mapped_blocks=\"5\""),
        d.stdout());
    if (Reference.available()) {
      Cli.Result check = Reference.run("thin_check", out.toString());
      assertEquals(0, check.status(), check::toString);
    }
  }

  static final String SB =
      "<superblock uuid=\"\" time=\"1\" transaction=\"2\" data_block_size=\"128\""
          + " nr_data_blocks=\"10\">";
  static final String DEV1 =
      "<device dev_id=\"1\" mapped_blocks=\"0\" transaction=\"0\" creation_time=\"0\""
          + " snap_time=\"0\">";

  /**
   * Hostile or broken XML: one-line error, exit 64; an output with valid old metadata keeps it, any
   * other output is left without a valid superblock.
   */
  @ParameterizedTest
  @org.junit.jupiter.params.provider.CsvSource(
      delimiter = '|',
      value = {
        "<!DOCTYPE superblock [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><superblock/>"
            + "|DOCTYPE declarations are not allowed at line 1, column 1",
        "<superblock uuid=\"\" time=\"1\" transaction=\"2\" data_block_size=\"128\""
            + " nr_data_blocks=\"10\"><device dev_id=\"1\" mapped_blocks=\"0\" transaction=\"0\""
            + " creation_time=\"0\" snap_time=\"0\"><single_mapping origin_block=\"0\""
            + " data_block=\"10\" time=\"0\"/></device></superblock>"
            + "|block out of bounds: device 1 maps thin block 0 to data block 10, but the pool"
            + " has 10 data blocks at line 1, column 173",
        "<superblock uuid=\"\" time=\"1\" transaction=\"2\" data_block_size=\"128\""
            + " nr_data_blocks=\"10\"><bogus/></superblock>"
            + "|unknown tag <bogus> inside <superblock> at line 1, column 88",
        "<!DOCTYPE s [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;\">"
            + "<!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;\">]><superblock uuid=\"&c;\"/>"
            + "|DOCTYPE declarations are not allowed at line 1, column 1",
        SB
            + "<device dev_id=\"-1\" mapped_blocks=\"0\" transaction=\"0\" creation_time=\"0\""
            + " snap_time=\"0\"></device></superblock>"
            + "|invalid value '-1' of attribute 'dev_id' in <device>: not an unsigned decimal"
            + " number at line 1, column 88",
        SB
            + "<device dev_id=\"4294967296\" mapped_blocks=\"0\" transaction=\"0\""
            + " creation_time=\"0\" snap_time=\"0\"></device></superblock>"
            + "|value 4294967296 of attribute 'dev_id' in <device> is out of range (maximum"
            + " 4294967295) at line 1, column 88",
        SB
            + DEV1
            + "</device>"
            + DEV1
            + "</device></superblock>|duplicated device id 1 at line 1, column 182",
        SB
            + DEV1
            + "<range_mapping origin_begin=\"0\" data_begin=\"0\" length=\"5\" time=\"0\"/>"
            + "<single_mapping origin_block=\"4\" data_block=\"6\" time=\"0\"/>"
            + "</device></superblock>|overlapping mappings: thin block 4 of device 1 is already"
            + " mapped at line 1, column 241",
      })
  void hostileXml_rejected_leavesTheOldMetadataOrNoValidSuperblock(
      String text, String message, @TempDir Path dir) throws Exception {
    Path bad = dir.resolve("bad.xml");
    Files.writeString(bad, text);

    // Over valid old metadata: the old pool is left exactly as it was.
    Path out = file(dir, "out.bin", 1 << 20);
    Cli.Result good = Cli.run("thin_restore", "-i", xml(dir, XML).toString(), "-o", out.toString());
    assertEquals(0, good.status(), good::toString);
    byte[] before = Files.readAllBytes(out);
    Cli.Result oldDump = Cli.run("thin_dump", out.toString());
    assertEquals(0, oldDump.status(), oldDump::toString);
    Cli.Result r = Cli.run("thin_restore", "-i", bad.toString(), "-o", out.toString());
    assertEquals(64, r.status());
    assertEquals(message + "\n", r.stderr());
    byte[] after = Files.readAllBytes(out);
    assertArrayEquals(
        Arrays.copyOf(before, 4096), Arrays.copyOf(after, 4096), "old superblock kept");
    Cli.Result check = Cli.run("thin_check", out.toString());
    assertEquals(0, check.status(), check::toString);
    Cli.Result dump = Cli.run("thin_dump", out.toString());
    assertEquals(oldDump.stdout(), dump.stdout());

    // Over no valid metadata (random bytes): block 0 zeroed, nothing that looks like metadata.
    Path junk = dir.resolve("junk.bin");
    byte[] noise = new byte[1 << 20];
    new java.util.Random(7).nextBytes(noise);
    Files.write(junk, noise);
    r = Cli.run("thin_restore", "-i", bad.toString(), "-o", junk.toString());
    assertEquals(64, r.status());
    assertEquals(message + "\n", r.stderr());
    byte[] block0 = new byte[4096];
    try (RandomAccessFile f = new RandomAccessFile(junk.toFile(), "r")) {
      f.readFully(block0);
    }
    assertArrayEquals(new byte[4096], block0, "block 0 zeroed");
    assertFalse(Superblock.checksumOk(ByteBuffer.wrap(block0)));
    assertTrue(Cli.run("thin_dump", junk.toString()).status() != 0);
  }

  /**
   * Restoring over another pool allocates around the old metadata (not contiguously), and the
   * result still dumps back identically and passes thin_check (ours, and 0.9.0's if installed).
   */
  @ParameterizedTest
  @MethodSource("valid")
  void restoreOverAnotherPool_dumpsBack_andBothChecksPass(String name, @TempDir Path dir)
      throws Exception {
    assumeTrue(Fixtures.available(), "shared fixtures missing");
    Cli.Result dump = Cli.run("thin_dump", Fixtures.image(name).toString());
    assertEquals(0, dump.status(), dump::toString);
    Path xml = dir.resolve(name + ".xml");
    Files.write(xml, dump.stdoutBytes());
    byte[] old = Files.readAllBytes(Fixtures.image("tmeta_with_metadata_snap"));
    Path out = dir.resolve("out.bin");
    Files.write(out, Arrays.copyOf(old, Math.max(old.length, 32 << 20)));
    Cli.Result restore = Cli.run("thin_restore", "-i", xml.toString(), "-o", out.toString());
    assertEquals(0, restore.status(), restore::toString);
    Cli.Result again = Cli.run("thin_dump", out.toString());
    assertEquals(
        dump.stdout().replaceFirst("version=\"[0-9]+\"", "version=\"2\""),
        again.stdout(),
        again::toString);
    Cli.Result ours = Cli.run("thin_check", out.toString());
    assertEquals(0, ours.status(), ours::toString);
    if (Reference.available()) {
      Cli.Result check = Reference.run("thin_check", out.toString());
      assertEquals(0, check.status(), check::toString);
    }
  }
}
