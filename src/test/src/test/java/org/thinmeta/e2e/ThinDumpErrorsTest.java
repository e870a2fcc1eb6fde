package org.thinmeta.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.thinmeta.pdata.btree.BTreeWalker;
import org.thinmeta.pdata.btree.KeyRange;
import org.thinmeta.pdata.btree.Node;
import org.thinmeta.pdata.btree.NodeChecks;
import org.thinmeta.pdata.io.FileBlockDevice;
import org.thinmeta.thin.format.Superblock;
import org.thinmeta.thin.read.MetadataReader;

/** thin_dump on bad input: one line on stderr, exit 64, never output that looks complete. */
class ThinDumpErrorsTest {
  @TempDir Path dir;

  @BeforeEach
  void fixtures() {
    assumeTrue(Fixtures.available(), "shared fixtures missing");
  }

  @Test
  void missingInput() {
    Path p = dir.resolve("no-such.bin");

    Cli.Result r = Cli.run("thin_dump", p.toString());

    Expect.failure(r, "Couldn't find input file '" + p + "'");
    assertEquals("", r.stdout());
  }

  @Test
  void directoryAsInput() {
    Cli.Result r = Cli.run("thin_dump", dir.toString());

    Expect.failure(r, "Not a block device or regular file '" + dir + "'.");
  }

  @Test
  void inputSmallerThanOneBlock() throws IOException {
    Path p = dir.resolve("small.bin");
    Files.write(p, new byte[4095]);

    Cli.Result r = Cli.run("thin_dump", p.toString());

    Expect.failure(r, "Metadata device/file too small.  Is this binary metadata?");
  }

  @Test
  void emptyInput() throws IOException {
    Path p = dir.resolve("empty.bin");
    Files.createFile(p);

    Expect.failure(
        Cli.run("thin_dump", p.toString()),
        "Metadata device/file too small.  Is this binary metadata?");
  }

  @Test
  void xmlGivenAsMetadata() throws IOException {
    Path p = dir.resolve("dump.xml");
    Files.write(p, Fixtures.stored("tmeta_with_metadata_snap.dump.xml"));

    Cli.Result r = Cli.run("thin_dump", p.toString());

    Expect.failure(r, "This looks like XML.  This tool only supports the binary metadata format.");
    assertEquals("", r.stdout());
  }

  @Test
  void badSuperblockChecksum() throws IOException {
    Path p = Fixtures.copyOf("tmeta_with_empty_roots", dir);
    flipByte(p, 48); // the transaction id

    Cli.Result r = Cli.run("thin_dump", p.toString());

    Expect.failure(r, "bad checksum in superblock");
    assertEquals("", r.stdout());
  }

  @Test
  void zeroedSuperblock() throws IOException {
    Path p = Fixtures.copyOf("tmeta_with_empty_roots", dir);
    try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
      f.write(new byte[4096]);
    }

    Expect.failure(Cli.run("thin_dump", p.toString()), "bad checksum in superblock");
  }

  @Test
  void corruptedDetailsRoot_kernelFixture_namesTheBlock() {
    Cli.Result r =
        Cli.run("thin_dump", Fixtures.image("corrupted_tmeta_with_metadata_snap").toString());

    Expect.failure(r, "device details tree: checksum error at block 6");
    assertEquals("", r.stdout(), "the trees are read before any output");
  }

  @Test
  void corruptedDetailsRoot_humanReadable() {
    Cli.Result r =
        Cli.run(
            "thin_dump",
            "-f",
            "human_readable",
            Fixtures.image("corrupted_tmeta_with_metadata_snap").toString());

    Expect.failure(r, "device details tree: checksum error at block 6");
    assertEquals("", r.stdout());
  }

  @Test
  void zeroedSnapshotSuperblock_kernelFixture() {
    Cli.Result r =
        Cli.run("thin_dump", "-m", Fixtures.image("tmeta_with_corrupted_metadata_snap").toString());

    Expect.failure(r, "bad checksum in superblock");
    assertEquals("", r.stdout());
  }

  @Test
  void zeroedSnapshotSubtree_kernelFixture_stopsAfterPartialOutput() throws IOException {
    Cli.Result r =
        Cli.run(
            "thin_dump",
            "-m",
            Fixtures.image("tmeta_device_id_reuse_with_corrupted_thins").toString());

    Expect.failure(r, "mapping tree of device 1: checksum error at block 1");
    assertEquals(
        "<superblock uuid=\"\" time=\"0\" transaction=\"1\" flags=\"0\" version=\"2\""
            + " data_block_size=\"128\" nr_data_blocks=\"0\">\n"
            + "  <device dev_id=\"1\" mapped_blocks=\"0\" transaction=\"0\" creation_time=\"0\""
            + " snap_time=\"0\">\n",
        r.stdout());
    Expect.incomplete(r);
  }

  @Test
  void noMetadataSnapshot() {
    Cli.Result r = Cli.run("thin_dump", "-m", Fixtures.image("tmeta_with_empty_roots").toString());

    Expect.failure(r, "no current metadata snap");
    assertEquals("", r.stdout());
  }

  @Test
  void metadataSnapshotBlockThatDoesNotMatchTheSuperblock() {
    String image = Fixtures.image("tmeta_with_metadata_snap").toString();

    Expect.failure(
        Cli.run("thin_dump", "-m7", image), "metadata snapshot does not match that in superblock");
    Expect.failure(
        Cli.run("thin_dump", "--metadata-snap=5", image),
        "metadata snapshot does not match that in superblock");
  }

  /** A damaged leaf deep in a device, reached after other devices were written. */
  @Test
  void damagedLeaf_stopsAfterPartialOutput_namingDeviceAndBlock() throws IOException {
    Path p = Fixtures.copyOf("tmeta_with_shared_internals_and_leaves", dir);
    LeafInfo victim = lastLeafOfLastDevice(p);
    flipByte(p, victim.location * 4096 + 4000);
    byte[] complete =
        Cli.run("thin_dump", Fixtures.image("tmeta_with_shared_internals_and_leaves").toString())
            .stdoutBytes();

    Cli.Result r = Cli.run("thin_dump", p.toString());

    Expect.failure(
        r,
        "mapping tree of device "
            + victim.firstDevice
            + ": checksum error at block "
            + victim.location
            + (victim.range.isUnbounded() ? "" : ", keys " + victim.range));
    Expect.incomplete(r);
    assertTrue(r.stdoutBytes().length > 0);
    assertTrue(
        new String(complete, StandardCharsets.US_ASCII).startsWith(r.stdout()),
        "partial output must be a prefix of the real dump");
  }

  @Test
  void damagedLeaf_humanReadable_isIncompleteToo() throws IOException {
    Path p = Fixtures.copyOf("tmeta_with_shared_internals_and_leaves", dir);
    LeafInfo victim = lastLeafOfLastDevice(p);
    flipByte(p, victim.location * 4096 + 4000);

    Cli.Result r = Cli.run("thin_dump", "--format", "human_readable", p.toString());

    assertEquals(64, r.status());
    Expect.incomplete(r);
    assertTrue(r.stdout().startsWith("begin superblock: "), r::toString);
  }

  @Test
  void outputFile_writtenOnSuccess_nothingOnStdout() throws IOException {
    Path out = dir.resolve("dump.xml");
    String image = Fixtures.image("tmeta_with_empty_roots").toString();

    Cli.Result r = Cli.run("thin_dump", "-o", out.toString(), image);

    assertEquals(0, r.status(), r::toString);
    assertEquals("", r.stdout());
    assertEquals("", r.stderr());
    assertArrayEquals(Fixtures.stored("tmeta_with_empty_roots.dump.xml"), Files.readAllBytes(out));
    assertEquals(List.of(out), listDir());
  }

  @Test
  void outputFile_replacesAnExistingFile() throws IOException {
    Path out = dir.resolve("dump.xml");
    Files.writeString(out, "old contents that are longer than nothing\n".repeat(100));

    Cli.Result r =
        Cli.run(
            "thin_dump",
            "--output",
            out.toString(),
            Fixtures.image("tmeta_with_empty_roots").toString());

    assertEquals(0, r.status(), r::toString);
    assertArrayEquals(Fixtures.stored("tmeta_with_empty_roots.dump.xml"), Files.readAllBytes(out));
  }

  @Test
  void outputFile_failureLeavesNoFile() throws IOException {
    Path out = dir.resolve("dump.xml");
    Path p = Fixtures.copyOf("tmeta_with_shared_internals_and_leaves", dir);
    flipByte(p, lastLeafOfLastDevice(p).location * 4096 + 4000);

    Cli.Result r = Cli.run("thin_dump", "-o", out.toString(), p.toString());

    assertEquals(64, r.status(), r::toString);
    assertEquals("", r.stdout());
    assertFalse(Files.exists(out));
    assertEquals(List.of(p), listDir(), "no temporary file is left behind");
  }

  @Test
  void outputFile_failureLeavesAnOldFileUntouched() throws IOException {
    Path out = dir.resolve("dump.xml");
    Files.writeString(out, "previous dump\n");
    Path p = Fixtures.copyOf("tmeta_with_shared_internals_and_leaves", dir);
    flipByte(p, lastLeafOfLastDevice(p).location * 4096 + 4000);

    Cli.Result r = Cli.run("thin_dump", "-o", out.toString(), p.toString());

    assertEquals(64, r.status(), r::toString);
    assertEquals("previous dump\n", Files.readString(out));
    assertEquals(2, listDir().size());
  }

  @Test
  void outputFile_inputErrorCreatesNoFile() {
    Path out = dir.resolve("dump.xml");

    Cli.Result r = Cli.run("thin_dump", "-o", out.toString(), dir.resolve("none.bin").toString());

    assertEquals(64, r.status());
    assertFalse(Files.exists(out));
  }

  @Test
  void outputFileInAMissingDirectory_namesTheOutput() {
    Path out = dir.resolve("no-such-dir/dump.xml");

    Cli.Result r =
        Cli.run(
            "thin_dump", "-o", out.toString(), Fixtures.image("tmeta_with_empty_roots").toString());

    Expect.failure(r, "cannot create output file '" + out + "': No such file or directory");
    assertFalse(Files.exists(out.getParent()));
  }

  @Test
  void quiet_suppressesTheMessage_butNotTheStatus() {
    Cli.Result r =
        Cli.run("thin_dump", "-q", Fixtures.image("corrupted_tmeta_with_metadata_snap").toString());

    assertEquals(64, r.status());
    assertEquals("", r.stderr());
  }

  private List<Path> listDir() throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.sorted().toList();
    }
  }

  private static void flipByte(Path p, long offset) throws IOException {
    try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
      f.seek(offset);
      int b = f.read();
      f.seek(offset);
      f.write(b ^ 0xFF);
    }
  }

  /** A bottom-level leaf, the first device (in id order) whose tree reaches it, its key range. */
  private record LeafInfo(long location, long firstDevice, KeyRange range) {}

  /** The last leaf of the highest-numbered device. */
  private static LeafInfo lastLeafOfLastDevice(Path image) throws IOException {
    try (FileBlockDevice dev = FileBlockDevice.open(image, FileBlockDevice.Mode.READ_ONLY, true)) {
      Superblock sb = MetadataReader.readSuperblock(dev);
      long limit = MetadataReader.metadataLimit(dev, sb);
      Map<Long, Long> roots = MetadataReader.readTopLevel(dev, limit, sb.mappingRoot());
      List<Long> ids = new ArrayList<>(roots.keySet());
      long lastDevice = ids.get(ids.size() - 1);
      List<Long> leaves = leaves(dev, limit, roots.get(lastDevice), new ArrayList<>());
      long victim = leaves.get(leaves.size() - 1);
      for (long id : ids) {
        List<KeyRange> ranges = new ArrayList<>();
        List<Long> l = leaves(dev, limit, roots.get(id), ranges);
        int i = l.indexOf(victim);
        if (i >= 0) {
          return new LeafInfo(victim, id, ranges.get(i));
        }
      }
      throw new AssertionError("unreachable");
    }
  }

  private static List<Long> leaves(
      FileBlockDevice dev, long limit, long root, List<KeyRange> ranges) throws IOException {
    List<Long> out = new ArrayList<>();
    new BTreeWalker(
            dev,
            limit,
            d -> {
              throw new AssertionError(d.describe());
            },
            NodeChecks.Policy.FATAL_ONLY,
            null,
            null)
        .walk(
            root,
            8,
            (Node leaf, KeyRange range) -> {
              out.add(leaf.location());
              ranges.add(range);
            });
    return out;
  }
}
