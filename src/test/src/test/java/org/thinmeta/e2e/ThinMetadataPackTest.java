package org.thinmeta.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedInputStream;
import java.io.InputStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.thinmeta.thin.pack.Unpacker;

/** thin_metadata_pack / thin_metadata_unpack against the reference's packs of the fixtures. */
class ThinMetadataPackTest {
  static final String PROMPT =
      "The destination appears to already contain metadata, are you sure? [y/n]: ";

  /** Every image with a reference pack, from SHA256SUMS. */
  static List<String> packed() throws Exception {
    List<String> names = new ArrayList<>();
    if (!Fixtures.available()) {
      return List.of("tmeta");
    }
    for (String line : Files.readAllLines(Fixtures.kernelDir().resolve("SHA256SUMS"))) {
      String file = line.trim().split("\\s+")[1];
      names.add(file.substring(0, file.length() - ".bin".length()));
    }
    return names;
  }

  static Map<String, String> sums() throws Exception {
    Map<String, String> m = new HashMap<>();
    for (String line : Files.readAllLines(Fixtures.kernelDir().resolve("SHA256SUMS"))) {
      String[] f = line.trim().split("\\s+");
      m.put(f[1], f[0]);
    }
    return m;
  }

  static String sha256(Path p) throws Exception {
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    try (InputStream in = new BufferedInputStream(Files.newInputStream(p), 1 << 16)) {
      byte[] buf = new byte[1 << 16];
      int n;
      while ((n = in.read(buf)) > 0) {
        md.update(buf, 0, n);
      }
    }
    return HexFormat.of().formatHex(md.digest());
  }

  @ParameterizedTest
  @MethodSource("packed")
  void unpack_referencePack_givesExactlyTheImage(String name, @TempDir Path dir) throws Exception {
    assumeTrue(Fixtures.available(), "shared fixtures missing");
    Path out = dir.resolve(name + ".bin");

    Cli.Result r =
        Cli.run(
            "thin_metadata_unpack",
            "-i",
            Fixtures.kernelDir().resolve(name + ".pack").toString(),
            "-o",
            out.toString());

    assertEquals(0, r.status(), r::toString);
    assertEquals("", r.stderr());
    assertEquals(sums().get(name + ".bin"), sha256(out));
  }

  @ParameterizedTest
  @MethodSource("packed")
  void packThenUnpack_roundTripsByteForByte(String name, @TempDir Path dir) throws Exception {
    assumeTrue(Fixtures.available(), "shared fixtures missing");
    Path pack = dir.resolve(name + ".pack");
    Path out = dir.resolve(name + ".bin");

    Cli.Result p =
        Cli.run("thin_metadata_pack", "-i", Fixtures.image(name).toString(), "-o", pack.toString());
    Cli.Result u = Cli.run("thin_metadata_unpack", "-i", pack.toString(), "-o", out.toString());

    assertEquals(0, p.status(), p::toString);
    assertEquals(0, u.status(), u::toString);
    assertEquals(sums().get(name + ".bin"), sha256(out));
  }

  /**
   * Our encoding of every block equals the reference's instruction stream for that block, and we
   * pack exactly the blocks the reference packed (none of the fixtures triggers quirk Q5).
   */
  @ParameterizedTest
  @MethodSource("packed")
  void pack_instructionStreamsEqualTheReferences(String name, @TempDir Path dir) throws Exception {
    assumeTrue(Fixtures.available(), "shared fixtures missing");
    Path pack = dir.resolve(name + ".pack");
    Cli.Result p =
        Cli.run("thin_metadata_pack", "-i", Fixtures.image(name).toString(), "-o", pack.toString());
    assertEquals(0, p.status(), p::toString);
    Map<Long, byte[]> ours = records(pack);
    Map<Long, byte[]> theirs = records(Fixtures.kernelDir().resolve(name + ".pack"));
    AtomicLong compared = new AtomicLong();

    for (Map.Entry<Long, byte[]> e : theirs.entrySet()) {
      byte[] mine = ours.get(e.getKey());
      assertArrayEquals(e.getValue(), mine, "stream of block " + e.getKey());
      compared.incrementAndGet();
    }

    assertEquals(theirs.keySet(), ours.keySet());
    assertTrue(compared.get() > 0);
  }

  private static Map<Long, byte[]> records(Path pack) throws Exception {
    Map<Long, byte[]> m = new HashMap<>();
    try (InputStream in = new BufferedInputStream(Files.newInputStream(pack))) {
      new Unpacker(in)
          .forEachRecord(
              (blocknr, block, stream, from, to) ->
                  m.put(blocknr, Arrays.copyOfRange(stream, from, to)));
    }
    return m;
  }

  @Test
  void unpack_ontoMetadata_asksAndKeepsTheFileOnNo(@TempDir Path dir) throws Exception {
    assumeTrue(Fixtures.available(), "shared fixtures missing");
    Path out = Fixtures.copyOf("tmeta_with_empty_roots", dir);
    byte[] before = Files.readAllBytes(out);
    String pack = Fixtures.kernelDir().resolve("tmeta_with_deleted_snapshot.pack").toString();

    Cli.Result r =
        Cli.runIn(
            FileSystems.getDefault(),
            "n\n",
            "thin_metadata_unpack",
            "-i",
            pack,
            "-o",
            out.toString());

    assertEquals(64, r.status(), r::toString);
    assertEquals(PROMPT + "Output file not overwritten\n", r.stderr());
    assertArrayEquals(before, Files.readAllBytes(out));
  }

  @Test
  void unpack_ontoMetadata_overwritesOnYes(@TempDir Path dir) throws Exception {
    assumeTrue(Fixtures.available(), "shared fixtures missing");
    Path out = Fixtures.copyOf("tmeta_with_empty_roots", dir);
    String pack = Fixtures.kernelDir().resolve("tmeta_with_deleted_snapshot.pack").toString();

    Cli.Result r =
        Cli.runIn(
            FileSystems.getDefault(),
            "YES\n",
            "thin_metadata_unpack",
            "-i",
            pack,
            "-o",
            out.toString());

    assertEquals(0, r.status(), r::toString);
    assertEquals(PROMPT, r.stderr());
    assertEquals(sums().get("tmeta_with_deleted_snapshot.bin"), sha256(out));
  }

  @Test
  void unpack_ontoMetadataWithForce_doesNotAsk(@TempDir Path dir) throws Exception {
    assumeTrue(Fixtures.available(), "shared fixtures missing");
    Path out = Fixtures.copyOf("tmeta_with_empty_roots", dir);
    String pack = Fixtures.kernelDir().resolve("tmeta_with_deleted_snapshot.pack").toString();

    Cli.Result r = Cli.run("thin_metadata_unpack", "-f", "-i", pack, "-o", out.toString());

    assertEquals(0, r.status(), r::toString);
    assertEquals("", r.stderr());
    assertEquals(sums().get("tmeta_with_deleted_snapshot.bin"), sha256(out));
  }

  @Test
  void pack_ontoMetadata_refusesWithoutAnAnswer(@TempDir Path dir) throws Exception {
    assumeTrue(Fixtures.available(), "shared fixtures missing");
    Path out = Fixtures.copyOf("tmeta_with_empty_roots", dir);
    byte[] before = Files.readAllBytes(out);

    Cli.Result r =
        Cli.run(
            "thin_metadata_pack",
            "-i",
            Fixtures.image("tmeta_with_deleted_snapshot").toString(),
            "-o",
            out.toString());

    assertEquals(64, r.status(), r::toString);
    assertEquals(PROMPT + "Output file not overwritten\n", r.stderr());
    assertArrayEquals(before, Files.readAllBytes(out));
  }

  @Test
  void pack_overExistingNonMetadataFile_doesNotAsk(@TempDir Path dir) throws Exception {
    assumeTrue(Fixtures.available(), "shared fixtures missing");
    Path out = dir.resolve("old.pack");
    Files.write(out, new byte[8192]);

    Cli.Result r =
        Cli.run(
            "thin_metadata_pack",
            "-i",
            Fixtures.image("tmeta_with_empty_roots").toString(),
            "-o",
            out.toString());

    assertEquals(0, r.status(), r::toString);
    assertEquals("", r.stderr());
    byte[] head = Arrays.copyOf(Files.readAllBytes(out), 8);
    assertEquals("77ef0963aaa037a5", HexFormat.of().formatHex(head));
  }

  @Test
  void unpack_notAPack_failsWithOneLine(@TempDir Path dir) throws Exception {
    Path in = dir.resolve("x.xml");
    Files.writeString(in, "<superblock uuid=\"\">\n");
    Path out = dir.resolve("out.bin");

    Cli.Result r = Cli.run("thin_metadata_unpack", "-i", in.toString(), "-o", out.toString());

    assertEquals(64, r.status(), r::toString);
    assertEquals("Not a pack file\n", r.stderr());
    assertFalse(Files.exists(out));
  }

  @Test
  void unpack_truncatedPack_leavesNoOutput(@TempDir Path dir) throws Exception {
    assumeTrue(Fixtures.available(), "shared fixtures missing");
    byte[] pack = Files.readAllBytes(Fixtures.kernelDir().resolve("tmeta.pack"));
    Path in = dir.resolve("cut.pack");
    Files.write(in, Arrays.copyOf(pack, pack.length / 2));
    Path out = dir.resolve("out.bin");

    Cli.Result r = Cli.run("thin_metadata_unpack", "-i", in.toString(), "-o", out.toString());

    assertEquals(64, r.status(), r::toString);
    assertEquals("corrupt pack file: truncated chunk\n", r.stderr());
    try (var s = Files.list(dir)) {
      assertEquals(List.of(in), s.toList());
    }
  }

  @Test
  void unpack_ontoADirectory_fails(@TempDir Path dir) throws Exception {
    assumeTrue(Fixtures.available(), "shared fixtures missing");
    Path sub = Files.createDirectory(dir.resolve("sub"));

    Cli.Result r =
        Cli.run(
            "thin_metadata_unpack",
            "-i",
            Fixtures.kernelDir().resolve("tmeta_with_empty_roots.pack").toString(),
            "-o",
            sub.toString());

    assertEquals(64, r.status(), r::toString);
    assertEquals("Not a block device or regular file '" + sub + "'.\n", r.stderr());
    assertTrue(Files.isDirectory(sub));
  }

  @Test
  void unpack_missingInput_failsWithTheReferenceMessage(@TempDir Path dir) {
    Path in = dir.resolve("missing.pack");

    Cli.Result r =
        Cli.run("thin_metadata_unpack", "-i", in.toString(), "-o", dir.resolve("o").toString());

    assertEquals(64, r.status(), r::toString);
    assertEquals("Couldn't find input file '" + in + "'\n", r.stderr());
  }

  @Test
  void pack_xmlInput_isRefused(@TempDir Path dir) throws Exception {
    Path in = dir.resolve("meta.xml");
    Files.writeString(in, "<superblock uuid=\"\">\n" + " ".repeat(5000));

    Cli.Result r =
        Cli.run("thin_metadata_pack", "-i", in.toString(), "-o", dir.resolve("o").toString());

    assertEquals(64, r.status(), r::toString);
    assertEquals(
        "This looks like XML.  This tool only supports the binary metadata format.\n", r.stderr());
  }

  /**
   * A block device output is written in place, with the blocks the pack leaves out zeroed; a block
   * device input is packed through O_DIRECT. Needs root: {@code -Dthinmeta.blockdev=true}.
   */
  @Test
  void unpackToAndPackFromALoopDevice(@TempDir Path dir) throws Exception {
    assumeTrue(Boolean.getBoolean("thinmeta.blockdev"), "set -Dthinmeta.blockdev=true to run");
    assumeTrue(Fixtures.available(), "shared fixtures missing");
    String name = "tmeta_with_empty_roots";
    long size = Files.size(Fixtures.image(name));
    Path backing = dir.resolve("backing.img");
    byte[] junk = new byte[(int) size + 8192];
    Arrays.fill(junk, (byte) 0xa5);
    Files.write(backing, junk);
    String loop = ThinTrimTest.run("losetup", "-f", "--show", backing.toString());
    assumeTrue(loop != null && loop.startsWith("/dev/loop"), "no loop devices here");
    Path repacked = dir.resolve("again.pack");
    Path out = dir.resolve("again.bin");
    try {
      Cli.Result u =
          Cli.run(
              "thin_metadata_unpack",
              "-i",
              Fixtures.kernelDir().resolve(name + ".pack").toString(),
              "-o",
              loop);
      assertEquals(0, u.status(), u::toString);
      Cli.Result p = Cli.run("thin_metadata_pack", "-i", loop, "-o", repacked.toString());
      assertEquals(0, p.status(), p::toString);
    } finally {
      ThinTrimTest.run("losetup", "-d", loop);
    }
    Path head = dir.resolve("head.bin");
    Files.write(head, Arrays.copyOf(Files.readAllBytes(backing), (int) size));
    assertEquals(sums().get(name + ".bin"), sha256(head));
    Cli.Result u2 =
        Cli.run("thin_metadata_unpack", "-i", repacked.toString(), "-o", out.toString());
    assertEquals(0, u2.status(), u2::toString);
    // The loop device is two blocks longer than the image: the pack says so, the rest matches.
    assertEquals(sums().get(name + ".bin"), sha256Prefix(out, size));
  }

  static String sha256Prefix(Path p, long n) throws Exception {
    return HexFormat.of()
        .formatHex(
            MessageDigest.getInstance("SHA-256")
                .digest(Arrays.copyOf(Files.readAllBytes(p), (int) n)));
  }

  @Test
  void pack_missingOutputOption_isAUsageError() {
    Cli.Result r = Cli.run("thin_metadata_pack", "-i", "/dev/null");

    assertEquals(2, r.status(), r::toString);
  }
}
