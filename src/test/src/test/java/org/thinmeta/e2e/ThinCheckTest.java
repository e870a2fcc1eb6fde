package org.thinmeta.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.thinmeta.pdata.checksum.BlockKind;
import org.thinmeta.pdata.checksum.Checksums;

/** thin_check on the kernel fixtures, against what the 0.9.0 reference says about them. */
class ThinCheckTest {
  @BeforeAll
  static void fixtures() {
    assumeTrue(Fixtures.available(), "shared fixtures missing");
  }

  static List<String> valid() {
    return Fixtures.VALID;
  }

  static List<String> withSnapshot() {
    return Fixtures.WITH_SNAPSHOT;
  }

  @ParameterizedTest
  @MethodSource("valid")
  void validFixture_passesWithReferenceTransactionId(String name) throws Exception {
    ExpectedOutput expected = ExpectedOutput.of(name);
    long[] alloc = expected.metadataAllocation();

    Cli.Result r = Cli.run("thin_check", Fixtures.image(name).toString());

    assertEquals(0, r.status(), r::toString);
    assertEquals(
        expected.command("thin_check " + name + ".bin").stdout().get(0)
            + "\n"
            + "METADATA_FREE_BLOCKS="
            + (alloc[1] - alloc[0])
            + "\n",
        r.stdout(),
        r::toString);
    assertEquals(
        "Checking thin metadata\ndevice details tree\nmapping tree\n", r.stderr(), r::toString);
    if (Reference.available()) {
      Cli.Result ref = Reference.run("thin_check", Fixtures.image(name).toString());
      assertEquals(0, ref.status(), ref::toString);
      assertEquals(ref.stdout().lines().findFirst(), r.stdout().lines().findFirst());
    }
  }

  static Stream<Arguments> corrupted() {
    return Stream.of(
        Arguments.of(
            "tmeta_with_corrupted_metadata_snap",
            List.of(
                "metadata snapshot superblock at block 7 has a bad checksum",
                "metadata snap: bad checksum in superblock")),
        Arguments.of(
            "corrupted_tmeta_with_metadata_snap",
            List.of(
                "mapping top-level: checksum error at block 20",
                "device details tree: checksum error at block 6")),
        Arguments.of(
            "tmeta_device_id_reuse_with_corrupted_thins",
            List.of(
                "data mapping tree: checksum error at block 1 (metadata snapshot device 1)",
                "Thin device 1 has 1 errors and is missing 0 mappings, while expected 0"
                    + " (metadata snapshot)",
                "Check of mappings failed")),
        Arguments.of("emeta_with_metadata_snap", List.of("bad checksum in superblock")));
  }

  @ParameterizedTest
  @MethodSource("corrupted")
  void corruptedFixture_failsNamingTheDamage(String name, List<String> lines) throws Exception {
    Cli.Result r = Cli.run("thin_check", Fixtures.image(name).toString());

    assertEquals(64, r.status(), r::toString);
    List<String> err = r.stderr().lines().toList();
    for (String l : lines) {
      assertTrue(err.contains(l), () -> "missing '" + l + "' in\n" + r);
    }
    assertEquals(lines.get(lines.size() - 1), err.get(err.size() - 1), r::toString);
    if (Reference.available() && !name.startsWith("emeta")) {
      assertEquals(1, Reference.run("thin_check", Fixtures.image(name).toString()).status());
    }
  }

  @ParameterizedTest
  @MethodSource("withSnapshot")
  void metadataSnapOption_sameVerdictAsReference(String name) throws Exception {
    ExpectedOutput.Command expected =
        ExpectedOutput.of(name).command("thin_check -m " + name + ".bin");

    Cli.Result r = Cli.run("thin_check", "-m", Fixtures.image(name).toString());

    assertEquals(expected.exit() == 0 ? 0 : 64, r.status(), r::toString);
    if (Reference.available()) {
      int ref = Reference.run("thin_check", "-m", Fixtures.image(name).toString()).status();
      assertEquals(ref == 0, r.status() == 0, r::toString);
    }
  }

  @Test
  void metadataSnapOption_checksTheSnapshotTrees() {
    // The live trees of this image are destroyed; its snapshot is intact.
    Cli.Result live =
        Cli.run("thin_check", Fixtures.image("corrupted_tmeta_with_metadata_snap").toString());
    Cli.Result snap =
        Cli.run(
            "thin_check", "-m", Fixtures.image("corrupted_tmeta_with_metadata_snap").toString());

    assertEquals(64, live.status(), live::toString);
    assertEquals(0, snap.status(), snap::toString);
  }

  @Test
  void metadataSnapOption_withoutSnapshot() {
    Cli.Result r = Cli.run("thin_check", "-m", Fixtures.image("tmeta").toString());

    assertEquals(64, r.status(), r::toString);
    assertEquals("no current metadata snap\n", r.stderr());
    assertEquals("", r.stdout());
  }

  @ParameterizedTest
  @ValueSource(strings = {"tmeta", "corrupted_tmeta_with_metadata_snap"})
  void quiet_printsNothing(String name) {
    Cli.Result r = Cli.run("thin_check", "-q", Fixtures.image(name).toString());

    assertEquals(name.equals("tmeta") ? 0 : 64, r.status());
    assertEquals("", r.stdout());
    assertEquals("", r.stderr());
  }

  @Test
  void quiet_printsNothingOnInputErrors() {
    Cli.Result r = Cli.run("thin_check", "--quiet", "/nonexistent/meta.bin");

    assertEquals(64, r.status());
    assertEquals("", r.stdout() + r.stderr());
  }

  @Test
  void superBlockOnly_passesOnImageTruncatedToOneBlock() throws Exception {
    Path copy = Fixtures.scratch().resolve("truncated.bin");
    byte[] block0 = new byte[4096];
    try (var in = Files.newInputStream(Fixtures.image("tmeta"))) {
      assertEquals(4096, in.readNBytes(block0, 0, 4096));
    }
    Files.write(copy, block0);

    Cli.Result sbOnly = Cli.run("thin_check", "--super-block-only", copy.toString());
    Cli.Result full = Cli.run("thin_check", copy.toString());

    assertEquals(0, sbOnly.status(), sbOnly::toString);
    assertEquals("TRANSACTION_ID=21\nMETADATA_FREE_BLOCKS=16096\n", sbOnly.stdout());
    assertEquals("", sbOnly.stderr());
    assertEquals(64, full.status(), full::toString);
    assertTrue(
        full.stderr()
            .contains(
                "metadata device/file too small: it holds 1 blocks, but the superblock claims"
                    + " 16384"),
        full::toString);
  }

  @Test
  void skipMappings_passesWhenOnlyBottomLevelIsDamaged() {
    String img = Fixtures.image("tmeta_device_id_reuse_with_corrupted_thins").toString();

    Cli.Result r = Cli.run("thin_check", "--skip-mappings", img);

    assertEquals(0, r.status(), r::toString);
    assertEquals("Checking thin metadata\ndevice details tree\n", r.stderr());
  }

  static Stream<Arguments> conflicts() {
    return Stream.of(
        Arguments.of(
            List.of("--clear-needs-check-flag", "-m"),
            "cannot perform repair outside the actual metadata"),
        Arguments.of(
            List.of("--auto-repair", "--override-mapping-root", "5"),
            "cannot perform repair outside the actual metadata"),
        Arguments.of(
            List.of("--clear-needs-check-flag", "--override-details-root", "5"),
            "cannot perform repair outside the actual metadata"),
        Arguments.of(
            List.of("--auto-repair", "--skip-mappings"),
            "the argument '--auto-repair' cannot be used with '--skip-mappings'"),
        Arguments.of(
            List.of("--auto-repair", "--super-block-only"),
            "the argument '--auto-repair' cannot be used with '--super-block-only'"),
        Arguments.of(
            List.of("--auto-repair", "--ignore-non-fatal-errors"),
            "the argument '--auto-repair' cannot be used with '--ignore-non-fatal-errors'"));
  }

  @ParameterizedTest
  @MethodSource("conflicts")
  void conflictingOptions_exit2(List<String> options, String message) throws Exception {
    Path copy = Fixtures.copyOf("tmeta_with_empty_roots", Fixtures.scratch());
    byte[] before = Files.readAllBytes(copy);
    String[] args =
        Stream.concat(
                Stream.of("thin_check"),
                Stream.concat(options.stream(), Stream.of(copy.toString())))
            .toArray(String[]::new);

    Cli.Result r = Cli.run(args);

    assertEquals(2, r.status(), r::toString);
    assertEquals(message + "\n", r.stderr());
    assertEquals("", r.stdout());
    assertArrayEquals(before, Files.readAllBytes(copy));
  }

  @Test
  void usageErrors_exit2() {
    assertEquals(2, Cli.run("thin_check").status());
    assertEquals(2, Cli.run("thin_check", "--bogus", "x").status());
    assertEquals(2, Cli.run("thin_check", "--override-mapping-root", "abc", "x").status());
  }

  @Test
  void inputChecks() throws Exception {
    Path small = Fixtures.scratch().resolve("small.bin");
    Files.write(small, new byte[100]);
    Path xml = Fixtures.scratch().resolve("meta.xml");
    Files.writeString(xml, "<superblock uuid=\"\" time=\"0\">\n" + "x".repeat(5000));

    Cli.Result missing = Cli.run("thin_check", "/nonexistent/meta.bin");
    Cli.Result tooSmall = Cli.run("thin_check", small.toString());
    Cli.Result isXml = Cli.run("thin_check", xml.toString());

    assertEquals(64, missing.status());
    assertEquals("Couldn't find input file '/nonexistent/meta.bin'\n", missing.stderr());
    assertEquals(64, tooSmall.status());
    assertEquals("Metadata device/file too small.  Is this binary metadata?\n", tooSmall.stderr());
    assertEquals(64, isXml.status());
    assertEquals(
        "This looks like XML.  This tool only supports the binary metadata format.\n",
        isXml.stderr());
  }

  @Test
  void check_neverWritesWithoutAWritingOption() throws Exception {
    Path copy = Fixtures.copyOf("tmeta_with_shared_internals_and_leaves", Fixtures.scratch());
    setNeedsCheck(copy);
    byte[] before = Files.readAllBytes(copy);
    copy.toFile().setReadOnly();
    try {
      Cli.Result r = Cli.run("thin_check", copy.toString());

      assertEquals(0, r.status(), r::toString);
      assertTrue(r.stderr().contains("needs_check flag is set in the superblock\n"), r::toString);
      assertArrayEquals(before, Files.readAllBytes(copy));
    } finally {
      copy.toFile().setWritable(true);
    }
  }

  @Test
  void clearNeedsCheckFlag_clearsOnlyThatBitAfterCleanCheck() throws Exception {
    Path copy = Fixtures.copyOf("tmeta_with_shared_internal_root", Fixtures.scratch());
    setNeedsCheck(copy);
    byte[] before = Files.readAllBytes(copy);

    Cli.Result r = Cli.run("thin_check", "--clear-needs-check-flag", copy.toString());

    assertEquals(0, r.status(), r::toString);
    assertTrue(r.stderr().endsWith("Cleared needs_check flag\n"), r::toString);
    byte[] after = Files.readAllBytes(copy);
    assertEquals(0, after[4]);
    for (int i = 5; i < before.length; i++) {
      if (after[i] != before[i]) {
        throw new AssertionError("byte " + i + " changed");
      }
    }
    assertEquals(0, Cli.run("thin_check", "-q", copy.toString()).status());
    if (Reference.available()) {
      Cli.Result ref = Reference.run("thin_check", copy.toString());
      assertEquals(0, ref.status(), ref::toString);
    }
  }

  @Test
  void clearNeedsCheckFlag_keepsFlagWhenCheckFails() throws Exception {
    Path copy = Fixtures.copyOf("tmeta_device_id_reuse_with_corrupted_thins", Fixtures.scratch());
    setNeedsCheck(copy);

    Cli.Result r = Cli.run("thin_check", "--clear-needs-check-flag", copy.toString());

    assertEquals(64, r.status(), r::toString);
    assertEquals(1, Files.readAllBytes(copy)[4]);
  }

  /** Sets NEEDS_CHECK in block 0 of an image and restamps its checksum. */
  static void setNeedsCheck(Path image) throws Exception {
    try (FileChannel ch =
        FileChannel.open(image, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      ByteBuffer b = ByteBuffer.allocate(4096).order(ByteOrder.LITTLE_ENDIAN);
      ch.read(b, 0);
      b.putInt(4, 1);
      Checksums.stamp(b, BlockKind.THIN_SUPERBLOCK);
      b.position(0);
      ch.write(b, 0);
    }
  }

  @Test
  void verbose_showsStatistics() {
    Cli.Result r = Cli.run("thin_check", "-v", Fixtures.image("tmeta").toString());

    assertEquals(0, r.status());
    assertEquals(
        String.join(
            "\n",
            "Checking thin metadata",
            "device details tree",
            "mapping tree",
            "number of devices to check: 11",
            "nr internal nodes: 11",
            "nr leaves: 230",
            ""),
        r.stderr());
    assertTrue(new String(r.stdoutBytes(), StandardCharsets.UTF_8).startsWith("TRANSACTION_ID=21"));
  }
}
