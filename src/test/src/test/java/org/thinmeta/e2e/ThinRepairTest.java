package org.thinmeta.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.thinmeta.thin.format.Superblock;

/** thin_repair's command line: options, input and output checks, report, quiet mode. */
class ThinRepairTest {
  @TempDir Path tmp;

  @BeforeEach
  void fixtures() {
    assumeTrue(Fixtures.available(), "shared fixtures missing");
  }

  Path output(long bytes) throws IOException {
    Path out = tmp.resolve("out.bin");
    Files.deleteIfExists(out);
    try (RandomAccessFile f = new RandomAccessFile(out.toFile(), "rw")) {
      f.setLength(bytes);
    }
    return out;
  }

  static boolean validSuperblock(Path p) throws IOException {
    try (FileChannel ch = FileChannel.open(p)) {
      ByteBuffer b = ByteBuffer.allocate(4096).order(ByteOrder.LITTLE_ENDIAN);
      ch.read(b, 0);
      return Superblock.checksumOk(b.flip());
    }
  }

  @Test
  void help_firstLineIsTheReferenceDescription() {
    Cli.Result r = Cli.run("thin_repair", "--help");
    assertEquals(0, r.status(), r::toString);
    assertEquals(
        "Repair thin-provisioning metadata, and write it to different device or file",
        r.stdout().lines().findFirst().orElse(""));
  }

  @Test
  void missingOutputOption_isAUsageError() {
    Cli.Result r = Cli.run("thin_repair", "-i", Fixtures.image("tmeta").toString());
    assertEquals(2, r.status(), r::toString);
    assertTrue(r.stderr().startsWith("Missing required option: '--output=FILE'"), r::toString);
  }

  @Test
  void soundPool_copiedSilently_inputUntouched_strayPositionalIgnored() throws Exception {
    Path in = Fixtures.copyOf("tmeta_with_shared_internal_root", tmp);
    byte[] before = Files.readAllBytes(in);
    Path out = output(4 << 20);
    Cli.Result r = Cli.run("thin_repair", "-i", in.toString(), "-o", out.toString(), "");
    assertEquals(0, r.status(), r::toString);
    assertEquals("", r.stderr());
    assertEquals("", r.stdout());
    assertArrayEquals(before, Files.readAllBytes(in));
    assertArrayEquals(
        Cli.run("thin_dump", in.toString()).stdoutBytes(),
        Cli.run("thin_dump", out.toString()).stdoutBytes());
  }

  @Test
  void missingInput_and_missingOutput_and_tooSmallOutput() throws Exception {
    Path out = output(4 << 20);
    Path nowhere = tmp.resolve("nowhere.bin");
    Cli.Result r = Cli.run("thin_repair", "-i", nowhere.toString(), "-o", out.toString());
    assertEquals(64, r.status(), r::toString);
    assertEquals("Couldn't find input file '" + nowhere + "'\n", r.stderr());
    String in = Fixtures.image("tmeta").toString();
    r = Cli.run("thin_repair", "-i", in, "-o", nowhere.toString());
    assertEquals(64, r.status(), r::toString);
    assertEquals("Couldn't find output file '" + nowhere + "'\n", r.stderr());
    Path small = output(36864);
    r = Cli.run("thin_repair", "-i", in, "-o", small.toString());
    assertEquals(64, r.status(), r::toString);
    assertEquals("Output file too small.\n", r.stderr());
  }

  @Test
  void outputSameAsInput_isRefused_andTheInputIsUntouched() throws Exception {
    Path in = Fixtures.copyOf("tmeta_with_shared_internal_root", tmp);
    byte[] before = Files.readAllBytes(in);
    Path link = tmp.resolve("link.bin");
    Files.createSymbolicLink(link, in);
    Cli.Result r = Cli.run("thin_repair", "-i", in.toString(), "-o", link.toString());
    assertEquals(64, r.status(), r::toString);
    assertEquals("the input and the output are the same file: '" + link + "'\n", r.stderr());
    assertArrayEquals(before, Files.readAllBytes(in));
  }

  @ParameterizedTest
  @ValueSource(strings = {"100", "0", "4194304"})
  void invalidDataBlockSize_isRefusedBeforeWriting(String dbs) throws Exception {
    Path out = output(4 << 20);
    Cli.Result r =
        Cli.run(
            "thin_repair",
            "-i",
            Fixtures.image("tmeta").toString(),
            "-o",
            out.toString(),
            "--data-block-size",
            dbs);
    assertEquals(64, r.status(), r::toString);
    assertEquals(
        "invalid data block size "
            + dbs
            + ": it must be a multiple of 128 sectors between 128 and 2097152\n",
        r.stderr());
  }

  @Test
  void failedRepair_keepsTheOutputsValidMetadata_orLeavesNoValidSuperblock() throws Exception {
    Path zero = tmp.resolve("zero.bin");
    Files.write(zero, new byte[4 << 20]);
    // Over valid metadata: nothing was written (the salvage failed first), the old pool is intact.
    Path out = Fixtures.copyOf("tmeta_with_shared_internal_root", tmp);
    byte[] before = Files.readAllBytes(out);
    assertTrue(validSuperblock(out));
    Cli.Result r =
        Cli.run(
            "thin_repair", "-i", zero.toString(), "-o", out.toString(), "--data-block-size", "128");
    assertEquals(64, r.status(), r::toString);
    assertEquals("no compatible roots found\n", r.stderr());
    assertArrayEquals(before, Files.readAllBytes(out));
    Cli.Result check = Cli.run("thin_check", out.toString());
    assertEquals(0, check.status(), check::toString);

    // Over a superblock whose space map is unreadable: block 0 is invalidated first.
    Path broken =
        Fixtures.copyOf(
            "tmeta_with_shared_internal_root", Files.createDirectories(tmp.resolve("b")));
    byte[] img = Files.readAllBytes(broken);
    long index = java.nio.ByteBuffer.wrap(img).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong(208);
    img[(int) index * 4096 + 2000] ^= 0x10;
    Files.write(broken, img);
    assertTrue(validSuperblock(broken));
    r =
        Cli.run(
            "thin_repair",
            "-i",
            zero.toString(),
            "-o",
            broken.toString(),
            "--data-block-size",
            "128");
    assertEquals(64, r.status(), r::toString);
    assertEquals("no compatible roots found\n", r.stderr());
    assertFalse(validSuperblock(broken));
  }

  @Test
  void reportJson_describesWhatWasRecovered() throws Exception {
    Path out = output(4 << 20);
    Path json = tmp.resolve("report.json");
    Cli.Result r =
        Cli.run(
            "thin_repair",
            "-i",
            Fixtures.image("corrupted_tmeta_with_metadata_snap").toString(),
            "-o",
            out.toString(),
            "--report-json",
            json.toString());
    assertEquals(0, r.status(), r::toString);
    String j = Files.readString(json);
    assertTrue(j.startsWith("{\n  \"clean\": false,\n  \"superblock\": {\"rebuilt\": false"), j);
    assertTrue(
        j.contains(
            "{\"dev_id\": 1, \"mappings\": 0, \"live\": 0, \"from_tree\": 0, \"from_snapshot\": 0,"
                + " \"from_orphans\": 0, \"from_cut_off_subtrees\": 0, \"dropped_conflicts\": 0,"
                + " \"dropped_beyond_end\": 0, \"dropped_free\": 0, \"mapping_tree\": \"snapshot\","
                + " \"details\": \"snapshot\", \"holes\": [], \"notes\": []}"),
        j);
    assertTrue(
        j.contains(
            "\"holes\": [{\"begin\": 0, \"end\": null, \"block\": 3, \"cause\": \"zeroed\","
                + " \"from_snapshot\": 0, \"from_orphans\": 0, \"from_cut_off_subtrees\": 0,"
                + " \"not_covered\": [\"0..end\"]}]"),
        j);
    assertTrue(j.endsWith("\n  ]\n}\n"), j);
  }

  @Test
  void quiet_printsNothing_evenOnFailure() throws Exception {
    Path out = output(4 << 20);
    Cli.Result r =
        Cli.run(
            "thin_repair",
            "-q",
            "-i",
            Fixtures.image("corrupted_tmeta_with_metadata_snap").toString(),
            "-o",
            out.toString());
    assertEquals(0, r.status(), r::toString);
    assertEquals("", r.stderr());
    Path zero = tmp.resolve("zero.bin");
    Files.write(zero, new byte[4 << 20]);
    r = Cli.run("thin_repair", "-q", "-i", zero.toString(), "-o", out.toString());
    assertEquals(64, r.status(), r::toString);
    assertEquals("", r.stderr());
  }

  @Test
  void hiddenOptions_areAccepted() throws Exception {
    Path out = output(4 << 20);
    Cli.Result r =
        Cli.run(
            "thin_repair",
            "-v",
            "--io-engine",
            "sync",
            "-i",
            Fixtures.image("tmeta_with_empty_roots").toString(),
            "-o",
            out.toString());
    assertEquals(0, r.status(), r::toString);
    assertEquals(List.of(), r.stderr().lines().toList());
  }
}
