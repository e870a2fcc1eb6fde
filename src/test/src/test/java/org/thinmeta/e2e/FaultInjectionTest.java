package org.thinmeta.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import java.nio.ByteBuffer;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.thinmeta.pdata.checksum.BlockKind;
import org.thinmeta.pdata.checksum.Checksums;
import org.thinmeta.pdata.io.BlockDevice;
import org.thinmeta.pdata.io.MemoryBlockDevice;
import org.thinmeta.pdata.spacemap.Bitmap;
import org.thinmeta.pdata.spacemap.IndexEntry;
import org.thinmeta.pdata.spacemap.SmRoot;
import org.thinmeta.pdata.spacemap.SpaceMapReader;
import org.thinmeta.thin.format.Superblock;

/**
 * I/O faults injected under every writer on main (thin_check --clear-needs-check-flag and
 * --auto-repair, thin_metadata_pack, thin_metadata_unpack, thin_restore): a one-line error, exit
 * 64, the input untouched, and an output that is either absent or keeps its old valid metadata (or,
 * for thin_restore over an output without valid metadata, has no valid superblock).
 */
class FaultInjectionTest {
  private FileSystem fs;
  private byte[] flagged;

  @BeforeEach
  void setUp() throws Exception {
    assumeTrue(Fixtures.available());
    fs = Jimfs.newFileSystem(Configuration.unix());
    byte[] img = Files.readAllBytes(Fixtures.image("tmeta"));
    ByteBuffer sb =
        Superblock.withFlags(ByteBuffer.wrap(img, 0, 4096).slice(), Superblock.NEEDS_CHECK);
    flagged = img.clone();
    sb.get(0, flagged, 0, 4096);
  }

  private static UnaryOperator<BlockDevice> fault(
      FailingBlockDevice.Kind kind, long block, int afterWrites) {
    return d -> new FailingBlockDevice(d, kind, block, afterWrites);
  }

  private static String message(FailingBlockDevice.Kind kind, long block) {
    return switch (kind) {
      case READ_ERROR, WRITE_ERROR -> "Input/output error";
      case SHORT_READ -> "short read at block " + block + " of /img";
      case ENOSPC -> "No space left on device";
    };
  }

  @ParameterizedTest
  @EnumSource(FailingBlockDevice.Kind.class)
  void clearNeedsCheckFlag_faultAtTheSuperblock(FailingBlockDevice.Kind kind) throws Exception {
    for (String flag : new String[] {"--clear-needs-check-flag", "--auto-repair"}) {
      Path img = fs.getPath("/img");
      Files.write(img, flagged);
      Cli.Result r = Cli.runWith(fs, fault(kind, 0, 0), "thin_check", flag, "/img");
      assertEquals(64, r.status(), () -> flag + " " + r);
      assertEquals(message(kind, 0) + "\n", lastLine(r.stderr()), flag);
      assertEquals(null, FuzzTest.problem("thin_check", r), r::toString);
      // The pool keeps its old, valid superblock with needs_check still set.
      assertArrayEquals(flagged, Files.readAllBytes(img), flag);
      Cli.Result check = Cli.runIn(fs, "", "thin_check", "/img");
      assertEquals(0, check.status(), check::toString);
      assertEquals("needs_check flag is set in the superblock\n", firstLine(check.stderr()));
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = FailingBlockDevice.Kind.class,
      names = {"READ_ERROR", "SHORT_READ"})
  void clearNeedsCheckFlag_readFaultInAMappingNode_leavesTheFlag(FailingBlockDevice.Kind kind)
      throws Exception {
    for (String flag : new String[] {"--clear-needs-check-flag", "--auto-repair"}) {
      Path img = fs.getPath("/img");
      Files.write(img, flagged);
      // Any block read after the superblock and the space maps: fail every read of one node.
      long node = firstNode(flagged);
      Cli.Result r = Cli.runWith(fs, fault(kind, node, 0), "thin_check", flag, "/img");
      assertEquals(64, r.status(), () -> flag + " " + r);
      assertFalse(r.stderr().contains("Exception"), r::toString);
      assertArrayEquals(flagged, Files.readAllBytes(img), flag);
    }
  }

  /**
   * The flagged fixture with two leaks (a free metadata block and a free data block counted 1), so
   * that --auto-repair has space-map blocks to rewrite before the superblock.
   */
  private byte[] leaky() throws Exception {
    MemoryBlockDevice dev = MemoryBlockDevice.of(flagged.clone());
    Superblock sb = Superblock.decode(dev.read(0));
    for (SpaceMapReader.Kind kind : SpaceMapReader.Kind.values()) {
      SmRoot root = kind == SpaceMapReader.Kind.DATA ? sb.dataSmRoot() : sb.metadataSmRoot();
      SpaceMapReader r = new SpaceMapReader(dev, sb.metadataSmRoot().nrBlocks(), root, kind);
      List<IndexEntry> index =
          r.readIndex(
              null,
              d -> {
                throw new AssertionError(d.describe());
              });
      ByteBuffer bitmap = r.readBitmap(0, index.get(0));
      int free = (int) Math.min(root.nrBlocks(), Bitmap.ENTRIES_PER_BLOCK) - 1;
      while (Bitmap.get(bitmap, free) != 0) {
        free--;
      }
      Bitmap.set(bitmap, free, 1);
      bitmap.putInt(0, Checksums.compute(bitmap, BlockKind.BITMAP));
      dev.write(index.get(0).blockNr(), bitmap);
    }
    return dev.toByteArray();
  }

  @ParameterizedTest
  @EnumSource(
      value = FailingBlockDevice.Kind.class,
      names = {"WRITE_ERROR", "ENOSPC"})
  void autoRepair_writeFaultAtEveryWrite_keepsTheOldMetadata(FailingBlockDevice.Kind kind)
      throws Exception {
    byte[] leaky = leaky();
    Path img = fs.getPath("/img");
    Files.write(img, leaky);
    Cli.Result before = Cli.runIn(fs, "", "thin_check", "/img");
    // Leaks fail a plain check (non-fatal: --ignore-non-fatal-errors would pass it).
    assertEquals(64, before.status(), before::toString);
    assertTrue(before.stderr().contains("1 data blocks have leaked\n"), before::toString);
    assertTrue(before.stderr().contains("1 metadata blocks have leaked\n"), before::toString);
    // A run without faults: how many block writes the repair makes (space maps, then block 0).
    FailingBlockDevice[] counting = new FailingBlockDevice[1];
    Cli.Result ok =
        Cli.runWith(
            fs,
            d -> counting[0] = new FailingBlockDevice(d, kind, -1, Integer.MAX_VALUE),
            "thin_check",
            "--auto-repair",
            "/img");
    assertEquals(0, ok.status(), ok::toString);
    int writes = counting[0].writes();
    assertTrue(writes >= 2, "auto-repair wrote " + writes + " blocks");
    for (int n = 0; n < writes; n++) {
      Files.write(img, leaky);
      Cli.Result r = Cli.runWith(fs, fault(kind, -1, n), "thin_check", "--auto-repair", "/img");
      String where = kind + " at write " + (n + 1) + " of " + writes;
      assertEquals(64, r.status(), () -> where + ": " + r);
      assertEquals(message(kind, 0) + "\n", lastLine(r.stderr()), where);
      assertEquals(null, FuzzTest.problem("thin_check", r), r::toString);
      // The superblock was never written: the old pool, flag and leaks as they were.
      byte[] after = Files.readAllBytes(img);
      assertArrayEquals(
          Arrays.copyOf(leaky, 4096), Arrays.copyOf(after, 4096), where + ": block 0");
      Cli.Result check = Cli.runIn(fs, "", "thin_check", "/img");
      assertEquals(before.status(), check.status(), where);
      assertEquals(before.stdout(), check.stdout(), where);
      assertEquals(before.stderr(), check.stderr(), where);
    }
  }

  private static long firstNode(byte[] img) {
    for (int b = 1; b < img.length / 4096; b++) {
      ByteBuffer blk = ByteBuffer.wrap(img, b * 4096, 4096).slice();
      if (org.thinmeta.pdata.checksum.Checksums.classify(blk)
          == org.thinmeta.pdata.checksum.BlockKind.NODE) {
        return b;
      }
    }
    throw new AssertionError("no node");
  }

  private static String lastLine(String s) {
    int nl = s.lastIndexOf('\n', s.length() - 2);
    return s.substring(nl + 1);
  }

  private static long entries(FileSystem f) throws Exception {
    try (Stream<Path> s = Files.list(f.getPath("/"))) {
      return s.filter(p -> !p.toString().equals("/work")).count();
    }
  }

  private static String firstLine(String s) {
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl + 1);
  }

  @ParameterizedTest
  @EnumSource(
      value = FailingBlockDevice.Kind.class,
      names = {"READ_ERROR", "SHORT_READ"})
  void pack_readFault_leavesNoOutput(FailingBlockDevice.Kind kind) throws Exception {
    Path img = fs.getPath("/img");
    Files.write(img, flagged);
    long node = firstNode(flagged);
    Cli.Result r =
        Cli.runWith(
            fs, fault(kind, node, 0), "thin_metadata_pack", "-i", "/img", "-o", "/out.pack");
    assertEquals(64, r.status(), r::toString);
    assertEquals(message(kind, node) + "\n", r.stderr());
    assertFalse(Files.exists(fs.getPath("/out.pack")));
    assertArrayEquals(flagged, Files.readAllBytes(img));
    assertEquals(1, entries(fs), "no temporary file left");
  }

  @Test
  void pack_fullFileSystem_leavesNoOutput() throws Exception {
    try (FileSystem small =
        Jimfs.newFileSystem(
            Configuration.unix().toBuilder()
                .setBlockSize(4096)
                .setMaxSize(flagged.length + 4096)
                .build())) {
      Files.write(small.getPath("/img"), flagged);
      Cli.Result r = Cli.runIn(small, "", "thin_metadata_pack", "-i", "/img", "-o", "/out.pack");
      assertEquals(64, r.status(), r::toString);
      assertEquals("out of disk space\n", r.stderr());
      assertFalse(Files.exists(small.getPath("/out.pack")));
      assertArrayEquals(flagged, Files.readAllBytes(small.getPath("/img")));
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = FailingBlockDevice.Kind.class,
      names = {"WRITE_ERROR", "ENOSPC"})
  void unpack_writeFault_keepsTheOldOutput(FailingBlockDevice.Kind kind) throws Exception {
    byte[] pack = Files.readAllBytes(Fixtures.kernelDir().resolve("tmeta.pack"));
    Files.write(fs.getPath("/in.pack"), pack);
    byte[] old = Files.readAllBytes(Fixtures.image("tmeta_with_empty_roots"));
    Path out = fs.getPath("/out.bin");
    for (int after : new int[] {0, 5}) {
      Files.write(out, old);
      Cli.Result r =
          Cli.runWith(
              fs,
              fault(kind, -1, after),
              "thin_metadata_unpack",
              "-f",
              "-i",
              "/in.pack",
              "-o",
              "/out.bin");
      assertEquals(64, r.status(), r::toString);
      assertEquals(message(kind, 0) + "\n", r.stderr());
      assertArrayEquals(old, Files.readAllBytes(out), "old output kept");
      assertArrayEquals(pack, Files.readAllBytes(fs.getPath("/in.pack")));
      assertEquals(2, entries(fs), "no temporary file left");
    }
  }

  @Test
  void unpack_truncatedPack_leavesNoOutput() throws Exception {
    byte[] pack = Files.readAllBytes(Fixtures.kernelDir().resolve("tmeta.pack"));
    byte[] cut = Arrays.copyOf(pack, pack.length / 2);
    Files.write(fs.getPath("/in.pack"), cut);
    Cli.Result r = Cli.runIn(fs, "", "thin_metadata_unpack", "-i", "/in.pack", "-o", "/out.bin");
    assertEquals(64, r.status(), r::toString);
    assertEquals("corrupt pack file: truncated chunk\n", r.stderr());
    assertFalse(Files.exists(fs.getPath("/out.bin")));
    assertArrayEquals(cut, Files.readAllBytes(fs.getPath("/in.pack")));
  }

  @Test
  void unpack_fullFileSystem_leavesNoOutput() throws Exception {
    byte[] pack = Files.readAllBytes(Fixtures.kernelDir().resolve("tmeta.pack"));
    try (FileSystem small =
        Jimfs.newFileSystem(
            Configuration.unix().toBuilder()
                .setBlockSize(4096)
                .setMaxSize(pack.length + 1024 * 1024)
                .build())) {
      Files.write(small.getPath("/in.pack"), pack);
      Cli.Result r =
          Cli.runIn(small, "", "thin_metadata_unpack", "-i", "/in.pack", "-o", "/out.bin");
      assertEquals(64, r.status(), r::toString);
      assertEquals("out of disk space\n", r.stderr());
      assertFalse(Files.exists(small.getPath("/out.bin")));
      assertEquals(1, entries(small), "no temporary file left");
    }
  }

  private byte[] restoreSetUp() throws Exception {
    byte[] xml = Fixtures.stored("tmeta.dump.xml");
    Files.write(fs.getPath("/in.xml"), xml);
    return xml;
  }

  /**
   * {@code flagged} with its metadata space map's index block spoiled: the superblock is valid, but
   * it is not metadata a restore can keep.
   */
  private byte[] unreadableSpaceMap() {
    byte[] img = flagged.clone();
    Superblock sb = Superblock.decode(ByteBuffer.wrap(img, 0, 4096).slice());
    int index = (int) sb.metadataSmRoot().bitmapRoot() * 4096;
    img[index + 2000] ^= 0x10;
    return img;
  }

  /** Asserts that {@code now} holds the metadata of {@code flagged}, needs_check and all. */
  private void assertOldMetadataKept(Path out, String where) throws Exception {
    byte[] now = Files.readAllBytes(out);
    assertArrayEquals(
        Arrays.copyOf(flagged, 4096), Arrays.copyOf(now, 4096), where + ": old superblock kept");
    Cli.Result check = Cli.runIn(fs, "", "thin_check", "/out.bin");
    assertEquals(0, check.status(), () -> where + " " + check);
    assertEquals("needs_check flag is set in the superblock\n", firstLine(check.stderr()), where);
    Files.write(fs.getPath("/old.bin"), flagged);
    Cli.Result oldDump = Cli.runIn(fs, "", "thin_dump", "/old.bin");
    Cli.Result dump = Cli.runIn(fs, "", "thin_dump", "/out.bin");
    assertEquals(0, dump.status(), () -> where + " " + dump);
    assertArrayEquals(oldDump.stdoutBytes(), dump.stdoutBytes(), where + ": the old dump");
  }

  /**
   * Restores /in.xml onto /out.bin (first filled with {@code image}) with a {@code kind} fault at
   * block {@code at[0]} (any if negative) after {@code at[1]} writes; asserts exit 64 and the I/O
   * message alone on stderr, and returns where the fault was, for messages.
   */
  private String failingRestore(FailingBlockDevice.Kind kind, int[] at, byte[] image)
      throws Exception {
    Files.write(fs.getPath("/out.bin"), image);
    Cli.Result r =
        Cli.runWith(
            fs, fault(kind, at[0], at[1]), "thin_restore", "-i", "/in.xml", "-o", "/out.bin");
    String where = "block " + at[0] + " after " + at[1] + " writes";
    assertEquals(64, r.status(), () -> where + " " + r);
    assertEquals(message(kind, 0) + "\n", r.stderr(), where);
    return where;
  }

  @ParameterizedTest
  @EnumSource(
      value = FailingBlockDevice.Kind.class,
      names = {"WRITE_ERROR", "ENOSPC"})
  void restore_writeFaultAnywhere_overValidMetadata_keepsTheOldMetadata(
      FailingBlockDevice.Kind kind) throws Exception {
    byte[] xml = restoreSetUp();
    // The first write, a later one, the final superblock (block 0 is written only then).
    for (int[] at : new int[][] {{-1, 0}, {-1, 1}, {-1, 40}, {0, 0}}) {
      Path out = fs.getPath("/out.bin");
      String where = failingRestore(kind, at, flagged);
      assertOldMetadataKept(out, where);
      assertArrayEquals(xml, Files.readAllBytes(fs.getPath("/in.xml")), where);
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = FailingBlockDevice.Kind.class,
      names = {"WRITE_ERROR", "ENOSPC"})
  void restore_writeFaultAfterTheFirstWrite_overUnreadableMetadata_leavesNoValidSuperblock(
      FailingBlockDevice.Kind kind) throws Exception {
    byte[] xml = restoreSetUp();
    byte[] unreadable = unreadableSpaceMap();
    assertTrue(Superblock.checksumOk(ByteBuffer.wrap(unreadable, 0, 4096).slice()));
    // After the superblock is invalidated: the first data write, a later one, the final superblock.
    for (int[] at : new int[][] {{-1, 1}, {-1, 40}, {0, 1}}) {
      Path out = fs.getPath("/out.bin");
      String where = failingRestore(kind, at, unreadable);
      byte[] now = Files.readAllBytes(out);
      assertFalse(Superblock.checksumOk(ByteBuffer.wrap(now, 0, 4096).slice()), where);
      Cli.Result check = Cli.runIn(fs, "", "thin_check", "/out.bin");
      assertEquals(64, check.status(), where);
      assertArrayEquals(xml, Files.readAllBytes(fs.getPath("/in.xml")), where);
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = FailingBlockDevice.Kind.class,
      names = {"WRITE_ERROR", "ENOSPC"})
  void restore_writeFaultAtTheFirstWrite_keepsTheOldMetadata(FailingBlockDevice.Kind kind)
      throws Exception {
    restoreSetUp();
    Path out = fs.getPath("/out.bin");
    Files.write(out, flagged);
    Cli.Result r =
        Cli.runWith(fs, fault(kind, -1, 0), "thin_restore", "-i", "/in.xml", "-o", "/out.bin");
    assertEquals(64, r.status(), r::toString);
    assertEquals(message(kind, 0) + "\n", r.stderr());
    assertArrayEquals(flagged, Files.readAllBytes(out));
  }

  @Test
  void restore_truncatedXml_keepsValidOldMetadata_orLeavesNoValidSuperblock() throws Exception {
    byte[] xml = restoreSetUp();
    byte[] cut = Arrays.copyOf(xml, xml.length / 2);
    Files.write(fs.getPath("/in.xml"), cut);
    Path out = fs.getPath("/out.bin");
    for (boolean valid : new boolean[] {true, false}) {
      Files.write(out, valid ? flagged : unreadableSpaceMap());
      Cli.Result r = Cli.runIn(fs, "", "thin_restore", "-i", "/in.xml", "-o", "/out.bin");
      assertEquals(64, r.status(), r::toString);
      assertEquals(
          "XML parse error at line 15222, column 55: Unexpected end-of-input when trying to parse"
              + " START_ELEMENT\n",
          r.stderr());
      if (valid) {
        assertOldMetadataKept(out, "truncated XML");
      } else {
        assertFalse(
            Superblock.checksumOk(ByteBuffer.wrap(Files.readAllBytes(out), 0, 4096).slice()));
      }
      assertArrayEquals(cut, Files.readAllBytes(fs.getPath("/in.xml")));
    }
  }
}
