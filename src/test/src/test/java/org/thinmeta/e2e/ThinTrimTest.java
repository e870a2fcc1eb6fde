package org.thinmeta.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.thinmeta.pdata.checksum.BlockKind;
import org.thinmeta.pdata.checksum.Checksums;
import org.thinmeta.pdata.io.FileBlockDevice;
import org.thinmeta.pdata.spacemap.Bitmap;
import org.thinmeta.pdata.spacemap.IndexEntry;
import org.thinmeta.pdata.spacemap.SpaceMapReader;
import org.thinmeta.thin.format.Superblock;
import org.thinmeta.thin.read.MetadataReader;

/**
 * thin_trim on regular-file (and loop-device) data devices: the file's allocated extents before and
 * after show exactly which ranges were punched.
 */
class ThinTrimTest {
  static final int PAGE = 4096;
  static final long DATA_BLOCK = 128 * 512;

  /** Free runs {begin, end} implied by the stored dump: blocks no device maps. */
  static List<long[]> freeFromDump(String name, long nrBlocks) throws Exception {
    TreeSet<Long> used = new TreeSet<>();
    for (TreeMap<Long, Long> m : DumpMappings.read(name + ".dump.xml").values()) {
      used.addAll(m.values());
    }
    List<long[]> out = new ArrayList<>();
    long b = 0;
    while (b < nrBlocks) {
      if (used.contains(b)) {
        b++;
        continue;
      }
      Long next = used.ceiling(b);
      long e = next == null ? nrBlocks : next;
      out.add(new long[] {b, e});
      b = e;
    }
    return out;
  }

  /** The file's allocated 4 KiB pages, from filefrag. */
  static TreeSet<Long> allocatedPages(Path file) throws Exception {
    Process p =
        new ProcessBuilder("filefrag", "-v", "-b" + PAGE, file.toString())
            .redirectErrorStream(true)
            .start();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    p.getInputStream().transferTo(out);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), out.toString(StandardCharsets.UTF_8));
    Pattern ext = Pattern.compile("^\\s*\\d+:\\s+(\\d+)\\.\\.\\s*(\\d+):");
    TreeSet<Long> pages = new TreeSet<>();
    for (String line : out.toString(StandardCharsets.UTF_8).split("\n")) {
      Matcher m = ext.matcher(line);
      if (m.find()) {
        for (long i = Long.parseLong(m.group(1)); i <= Long.parseLong(m.group(2)); i++) {
          pages.add(i);
        }
      }
    }
    return pages;
  }

  static boolean filefragWorks() {
    return Files.isExecutable(Path.of("/usr/sbin/filefrag"))
        || Files.isExecutable(Path.of("/sbin/filefrag"));
  }

  /** A sparse data file with one written page at the start and end of every run, both sides. */
  static Path dataFile(Path dir, long nrBlocks, List<long[]> free) throws IOException {
    Path f = dir.resolve("data.img");
    TreeSet<Long> blocks = new TreeSet<>();
    for (long[] r : free) {
      for (long b : new long[] {r[0] - 1, r[0], r[1] - 1, r[1]}) {
        if (b >= 0 && b < nrBlocks) {
          blocks.add(b);
        }
      }
    }
    try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
      raf.setLength(nrBlocks * DATA_BLOCK);
    }
    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
      byte[] page = new byte[PAGE];
      Arrays.fill(page, (byte) 0x5a);
      for (long b : blocks) {
        ch.write(ByteBuffer.wrap(page), b * DATA_BLOCK);
        ch.write(ByteBuffer.wrap(page), (b + 1) * DATA_BLOCK - PAGE);
      }
      ch.force(true);
    }
    return f;
  }

  /** Pages expected after trimming: those before, minus every page inside a free run. */
  static TreeSet<Long> minus(TreeSet<Long> pages, List<long[]> free) {
    TreeSet<Long> out = new TreeSet<>(pages);
    long perBlock = DATA_BLOCK / PAGE;
    for (long[] r : free) {
      out.subSet(r[0] * perBlock, r[1] * perBlock).clear();
    }
    return out;
  }

  @Test
  void trim_punchesExactlyTheFreeRanges(@TempDir Path dir) throws Exception {
    assumeTrue(Fixtures.available(), "shared fixtures missing");
    assumeTrue(filefragWorks(), "filefrag not installed");
    long nr = 65536;
    List<long[]> free = freeFromDump("tmeta", nr);
    Path data = dataFile(dir, nr, free);
    TreeSet<Long> before = allocatedPages(data);
    assumeTrue(!before.isEmpty(), "file system reports no extents");

    Cli.Result r =
        Cli.run(
            "thin_trim",
            "--metadata-dev",
            Fixtures.image("tmeta").toString(),
            "--data-dev",
            data.toString());

    assertEquals(0, r.status(), r::toString);
    assertEquals("", r.stderr());
    TreeSet<Long> after = allocatedPages(data);
    TreeSet<Long> want = minus(before, free);
    assertTrue(want.size() < before.size());
    assertTrue(want.size() > 0);
    assertEquals(want, after);
    assertEquals(nr * DATA_BLOCK, Files.size(data));
  }

  @Test
  void trim_refusesDamagedMetadata_andTouchesNothing(@TempDir Path dir) throws Exception {
    assumeTrue(Fixtures.available(), "shared fixtures missing");
    assumeTrue(filefragWorks(), "filefrag not installed");
    long nr = 65536;
    Path data = dataFile(dir, nr, List.of(new long[] {0, 10}, new long[] {100, 65536}));
    TreeSet<Long> before = allocatedPages(data);

    Cli.Result r =
        Cli.run(
            "thin_trim",
            "--metadata-dev",
            Fixtures.image("tmeta_device_id_reuse_with_corrupted_thins").toString(),
            "--data-dev",
            data.toString());

    assertEquals(65, r.status(), r::toString);
    assertEquals(
        "metadata contains errors (run thin_check for details).\n"
            + "perhaps you need to run thin_repair.\n",
        r.stderr());
    assertEquals(before, allocatedPages(data));
  }

  /**
   * A space map that calls a mapped block free would make a trim destroy data: the check must
   * refuse it.
   */
  @Test
  void trim_refusesASpaceMapThatFreesAMappedBlock(@TempDir Path dir) throws Exception {
    assumeTrue(Fixtures.available(), "shared fixtures missing");
    assumeTrue(filefragWorks(), "filefrag not installed");
    Path meta = Fixtures.copyOf("tmeta_with_empty_roots", dir);
    clearDataCount(meta, 10);
    Path data = dataFile(dir, 1024, List.of(new long[] {0, 1024}));
    TreeSet<Long> before = allocatedPages(data);

    Cli.Result r =
        Cli.run("thin_trim", "--metadata-dev", meta.toString(), "--data-dev", data.toString());

    assertEquals(65, r.status(), r::toString);
    assertEquals(before, allocatedPages(data));
  }

  /** Sets the data space map count of {@code block} to 0 (and restamps the bitmap). */
  static void clearDataCount(Path meta, int block) throws Exception {
    try (FileBlockDevice dev = FileBlockDevice.open(meta, FileBlockDevice.Mode.READ_WRITE, false)) {
      Superblock sb = MetadataReader.readSuperblock(dev);
      SpaceMapReader r =
          new SpaceMapReader(dev, dev.nrBlocks(), sb.dataSmRoot(), SpaceMapReader.Kind.DATA);
      IndexEntry e = r.readIndex(null, MetadataReader.THROW).get(0);
      ByteBuffer bm = r.readBitmap(0, e).order(ByteOrder.LITTLE_ENDIAN);
      assertTrue(Bitmap.get(bm, block) > 0, "block must be in use in the fixture");
      Bitmap.set(bm, block, 0);
      Checksums.stamp(bm, BlockKind.BITMAP);
      dev.write(e.blockNr(), bm);
      dev.flush();
    }
  }

  @Test
  void trim_dataDeviceTooSmall_fails(@TempDir Path dir) throws Exception {
    assumeTrue(Fixtures.available(), "shared fixtures missing");
    Path data = dir.resolve("small.img");
    try (RandomAccessFile raf = new RandomAccessFile(data.toFile(), "rw")) {
      raf.setLength(1023 * DATA_BLOCK);
    }

    Cli.Result r =
        Cli.run(
            "thin_trim",
            "--metadata-dev",
            Fixtures.image("tmeta_with_empty_roots").toString(),
            "--data-dev",
            data.toString());

    assertEquals(64, r.status(), r::toString);
    assertEquals("unexpected data device size, wanted 67108864 bytes\n", r.stderr());
  }

  @Test
  void trim_missingDataDevice_failsAndQuietSaysNothing(@TempDir Path dir) throws Exception {
    assumeTrue(Fixtures.available(), "shared fixtures missing");
    String meta = Fixtures.image("tmeta_with_empty_roots").toString();
    String data = dir.resolve("none").toString();

    Cli.Result r = Cli.run("thin_trim", "--metadata-dev", meta, "--data-dev", data);
    Cli.Result q = Cli.run("thin_trim", "-q", "--metadata-dev", meta, "--data-dev", data);

    assertEquals(64, r.status(), r::toString);
    assertEquals("Couldn't find data device '" + data + "'\n", r.stderr());
    assertEquals(64, q.status());
    assertEquals("", q.stderr());
  }

  @Test
  void trim_missingOption_isAUsageError() {
    Cli.Result r = Cli.run("thin_trim", "--metadata-dev", "/x");

    assertEquals(2, r.status(), r::toString);
    assertEquals(
        "Missing required option: '--data-dev=FILE'", r.stderr().lines().findFirst().orElse(""));
  }

  /**
   * Through a loop device the discards are BLKDISCARDs, which punch the backing file. Needs root:
   * {@code -Dthinmeta.blockdev=true}.
   */
  @Test
  void trim_onALoopDevice_discardsTheFreeRanges(@TempDir Path dir) throws Exception {
    assumeTrue(Boolean.getBoolean("thinmeta.blockdev"), "set -Dthinmeta.blockdev=true to run");
    assumeTrue(Fixtures.available(), "shared fixtures missing");
    assumeTrue(filefragWorks(), "filefrag not installed");
    List<long[]> free = freeFromDump("tmeta_with_shared_internal_root", 16384);
    Path backing = dataFile(dir, 16384, free);
    TreeSet<Long> before = allocatedPages(backing);
    String loop = run("losetup", "-f", "--show", backing.toString());
    assumeTrue(loop != null && loop.startsWith("/dev/loop"), "no loop devices here");
    try {
      Cli.Result r =
          Cli.run(
              "thin_trim",
              "--metadata-dev",
              Fixtures.image("tmeta_with_shared_internal_root").toString(),
              "--data-dev",
              loop);
      assertEquals(0, r.status(), r::toString);
    } finally {
      run("losetup", "-d", loop);
    }
    assertEquals(minus(before, free), allocatedPages(backing));
  }

  static String run(String... cmd) throws Exception {
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
        return null;
      }
      return out;
    } catch (IOException e) {
      return null;
    }
  }
}
