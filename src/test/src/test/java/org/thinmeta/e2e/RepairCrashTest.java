package org.thinmeta.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.thinmeta.pdata.Progress;
import org.thinmeta.pdata.io.BlockDevice;
import org.thinmeta.pdata.io.Blocks;
import org.thinmeta.pdata.io.MemoryBlockDevice;
import org.thinmeta.pdata.io.VolatileCacheDevice;
import org.thinmeta.repair.check.CheckListener;
import org.thinmeta.repair.check.CheckOptions;
import org.thinmeta.repair.check.CheckReport;
import org.thinmeta.repair.check.ThinChecker;
import org.thinmeta.repair.restore.OldMetadata;
import org.thinmeta.repair.salvage.Repair;
import org.thinmeta.repair.salvage.Salvager;
import org.thinmeta.thin.format.Superblock;
import org.thinmeta.thin.read.Dumper;
import org.thinmeta.thin.read.MetadataReader;
import org.thinmeta.thin.xml.XmlWriter;

/**
 * Acceptance 4 of issue 5 (and 4 of issue 4): a repair cut short by a power failure at any write or
 * flush leaves the output either exactly as the old pool it held (its superblock and every block
 * its space map counts unchanged, thin_check passes, the old dump) or as the complete repaired
 * pool. The output starts with another valid pool in it (an old pool whose superblock must never
 * end up next to half-written new trees), and the input is damaged, so that salvage (not just a
 * copy) feeds the writer.
 */
class RepairCrashTest {
  @TempDir Path tmp;

  /**
   * A damaged copy of {@code fixture}: device 1's second leaf destroyed, a copy of it elsewhere.
   */
  byte[] damagedInput(String fixture) throws IOException {
    Path img = Fixtures.copyOf(fixture, tmp);
    try (Surgery s = Surgery.open(img)) {
      Surgery.NodeRef leaf = s.leaves(s.deviceRoots().get(1L)).get(1);
      s.copyNode(leaf.loc());
      s.scribble(leaf.loc());
    }
    return Files.readAllBytes(img);
  }

  static byte[] dump(BlockDevice dev) throws IOException {
    Superblock sb = MetadataReader.readSuperblock(dev);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    new Dumper(dev).dump(sb, Dumper.info(sb), Dumper.Options.ALL, new XmlWriter(out));
    return out.toByteArray();
  }

  static boolean validSuperblock(byte[] image) {
    return Superblock.checksumOk(
        ByteBuffer.wrap(Arrays.copyOf(image, Blocks.BLOCK_SIZE))
            .order(java.nio.ByteOrder.LITTLE_ENDIAN));
  }

  @ParameterizedTest
  @CsvSource({"tmeta_with_shared_internal_root, 1", "tmeta_with_shared_internals_and_leaves, 23"})
  void crashAtEveryWriteAndFlush_leavesExactlyTheOldPoolOrTheWholeRepair(String fixture, int stride)
      throws Exception {
    assumeTrue(Fixtures.available(), "shared fixtures missing");
    byte[] input = damagedInput(fixture);
    byte[] old = Files.readAllBytes(Fixtures.image("tmeta_with_empty_roots"));
    byte[] oldOutput = Arrays.copyOf(old, 16 << 20);

    // An uninterrupted run: how many writes and flushes, and what the result dumps as.
    VolatileCacheDevice clean = new VolatileCacheDevice(oldOutput, 0);
    Repair.repair(MemoryBlockDevice.of(input), clean, Salvager.Options.NONE, Progress.NONE);
    long writes = clean.writes();
    long flushes = clean.flushes();
    assertEquals(0, clean.cachedWrites(), "the repair forces everything it writes");
    byte[] expected = dump(MemoryBlockDevice.of(clean.durableImage()));
    assertTrue(writes > 20 && flushes >= 2, writes + " writes, " + flushes + " flushes");

    byte[] oldDump = dump(MemoryBlockDevice.of(oldOutput));
    long[] oldBlocks = OldMetadata.usedBlocks(MemoryBlockDevice.of(oldOutput));
    assertTrue(oldBlocks != null && oldBlocks[0] != 0, "the old output holds valid metadata");
    int points = 0;
    int kept = 0;
    int repaired = 0;
    for (long seed = 1; seed <= 3; seed++) {
      // Every stride-th point, and always the last write (the new superblock) and the last flushes.
      long last = writes + flushes;
      long[] crashPoints =
          java.util.stream.LongStream.concat(
                  java.util.stream.LongStream.iterate(1, n -> n <= last, n -> n + stride),
                  java.util.stream.LongStream.of(writes, last - 1, last))
              .distinct()
              .sorted()
              .toArray();
      for (long n : crashPoints) {
        VolatileCacheDevice out = new VolatileCacheDevice(oldOutput, seed * 7919 + n);
        if (n <= writes) {
          out.crashAtWrite(n);
        } else {
          out.crashAtFlush(n - writes);
        }
        assertThrows(
            VolatileCacheDevice.CrashException.class,
            () ->
                Repair.repair(
                    MemoryBlockDevice.of(input), out, Salvager.Options.NONE, Progress.NONE));
        byte[] image = out.durableImage();
        String where = fixture + ", seed " + seed + ", crash point " + n;
        assertTrue(validSuperblock(image), where + ": a valid superblock, old or new");
        MemoryBlockDevice after = MemoryBlockDevice.of(image);
        CheckReport r = new ThinChecker(after, CheckListener.NONE).check(CheckOptions.DEFAULT);
        assertTrue(r.passed(false), () -> where + ": thin_check fails: " + r.problems());
        if (Arrays.equals(image, 0, Blocks.BLOCK_SIZE, oldOutput, 0, Blocks.BLOCK_SIZE)) {
          // The old pool: every block its space map counts as it was.
          for (int b = 0; b < old.length / Blocks.BLOCK_SIZE; b++) {
            int from = b * Blocks.BLOCK_SIZE;
            int to = from + Blocks.BLOCK_SIZE;
            if ((oldBlocks[b >>> 6] & (1L << b)) != 0) {
              assertTrue(Arrays.equals(old, from, to, image, from, to), where + ": block " + b);
            }
          }
          assertArrayEquals(oldDump, dump(after), where);
          kept++;
        } else {
          assertArrayEquals(expected, dump(after), where);
          repaired++;
        }
        points++;
      }
    }
    System.out.println(
        "repair crash points tried ("
            + fixture
            + "): "
            + points
            + ", old pool kept "
            + kept
            + ", whole repair "
            + repaired);
    assertTrue(points >= 60, points + " crash points");
    assertTrue(kept > 0 && repaired > 0, "both outcomes: " + kept + " / " + repaired);
  }

  @Test
  void uninterruptedRepair_ofTheDamagedInput_keepsTheStaleCopysMappings() throws Exception {
    assumeTrue(Fixtures.available(), "shared fixtures missing");
    byte[] input = damagedInput("tmeta_with_shared_internal_root");
    VolatileCacheDevice out = new VolatileCacheDevice(16 << 8, 0);
    Repair.repair(MemoryBlockDevice.of(input), out, Salvager.Options.NONE, Progress.NONE);
    out.flush();
    assertEquals(
        new String(
            dump(
                MemoryBlockDevice.of(
                    Files.readAllBytes(Fixtures.image("tmeta_with_shared_internal_root"))))),
        new String(dump(MemoryBlockDevice.of(out.durableImage()))));
  }
}
