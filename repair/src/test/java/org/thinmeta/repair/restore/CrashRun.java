package org.thinmeta.repair.restore;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;
import java.util.Set;
import org.thinmeta.pdata.io.BlockDevice;
import org.thinmeta.pdata.io.Blocks;
import org.thinmeta.pdata.io.MemoryBlockDevice;
import org.thinmeta.pdata.io.VolatileCacheDevice;
import org.thinmeta.repair.check.CheckListener;
import org.thinmeta.repair.check.CheckOptions;
import org.thinmeta.repair.check.CheckReport;
import org.thinmeta.repair.check.ThinChecker;
import org.thinmeta.thin.format.Superblock;
import org.thinmeta.thin.read.Dumper;
import org.thinmeta.thin.read.MetadataReader;
import org.thinmeta.thin.xml.XmlWriter;

/**
 * Crash-test harness for writers of whole pools: runs the writer over a copy of an old image on a
 * {@link VolatileCacheDevice}, once uninterrupted (to count its writes and flushes and take the
 * expected result), then once per write and per flush crashing there, with several fates of the
 * unforced writes each, and sorts every surviving image into one of three outcomes, asserting what
 * each must mean.
 */
public final class CrashRun {
  /** What a crashed image holds. */
  public enum Outcome {
    /**
     * Block 0 as it was. Over valid old metadata: every block the old space map counts is as it
     * was, thin_check passes and the dump is the old dump. Over anything else: the whole image is
     * as it was (nothing was forced yet).
     */
    OLD,
    /** No valid superblock at block 0. */
    NONE,
    /** The whole new pool: thin_check passes and the dump is that of the uninterrupted run. */
    NEW
  }

  /** The writer under test. */
  @FunctionalInterface
  public interface Writer {
    /** Writes the new pool to {@code dev}. */
    void write(BlockDevice dev) throws IOException;
  }

  private CrashRun() {}

  /**
   * Crashes {@code writer} at every write and every flush ({@code seeds} fates each) over {@code
   * old}, asserts that every outcome is in {@code allowed} and means what it says, prints the
   * number of crash points tried under {@code name}, and returns how often each outcome occurred.
   */
  public static Map<Outcome, Integer> everyPoint(
      String name, byte[] old, Writer writer, int seeds, Set<Outcome> allowed) throws IOException {
    MemoryBlockDevice oldDev = MemoryBlockDevice.of(old);
    long[] oldBlocks = OldMetadata.usedBlocks(oldDev);
    byte[] oldDump = oldBlocks == null ? null : dump(oldDev);
    byte[] oldBlock0 = Arrays.copyOf(old, Blocks.BLOCK_SIZE);
    if (oldBlocks != null) {
      assertPasses(old, name + ": the old image");
    }

    VolatileCacheDevice dry = new VolatileCacheDevice(old, 0);
    writer.write(dry);
    assertEquals(0, dry.cachedWrites(), name + ": the writer forces everything it writes");
    byte[] expected = dump(MemoryBlockDevice.of(dry.durableImage()));
    long writes = dry.writes();
    long flushes = dry.flushes();
    assertTrue(writes > 10 && flushes >= 2, writes + " writes, " + flushes + " flushes");

    Map<Outcome, Integer> seen = new EnumMap<>(Outcome.class);
    int tried = 0;
    for (int kind = 0; kind < 2; kind++) {
      long points = kind == 0 ? writes : flushes;
      for (long n = 1; n <= points; n++) {
        for (int seed = 0; seed < seeds; seed++) {
          VolatileCacheDevice dev = new VolatileCacheDevice(old, n * 104729 + seed * 31 + kind);
          if (kind == 0) {
            dev.crashAtWrite(n);
          } else {
            dev.crashAtFlush(n);
          }
          try {
            writer.write(dev);
            fail(name + ": no crash at " + (kind == 0 ? "write " : "flush ") + n);
          } catch (VolatileCacheDevice.CrashException e) {
            // The simulated power cut.
          }
          String where = name + ", crash at " + (kind == 0 ? "write " : "flush ") + n;
          where += ", seed " + seed;
          byte[] image = dev.durableImage();
          Outcome o = classify(image, oldBlock0);
          assertTrue(allowed.contains(o), where + ": " + o + " is not one of " + allowed);
          if (o == Outcome.OLD && oldBlocks == null) {
            assertArrayEquals(old, image, where + ": untouched");
          } else if (o == Outcome.OLD) {
            assertOldIntact(old, oldBlocks, image, where);
            assertPasses(image, where);
            assertArrayEquals(oldDump, dump(MemoryBlockDevice.of(image)), where);
          } else if (o == Outcome.NEW) {
            assertPasses(image, where);
            assertArrayEquals(expected, dump(MemoryBlockDevice.of(image)), where);
          }
          seen.merge(o, 1, Integer::sum);
          tried++;
        }
      }
    }
    System.out.println(
        name
            + ": "
            + tried
            + " crash points tried ("
            + writes
            + " writes, "
            + flushes
            + " flushes, "
            + seeds
            + " seeds each): "
            + seen);
    return seen;
  }

  private static Outcome classify(byte[] image, byte[] oldBlock0) throws IOException {
    if (Arrays.equals(image, 0, Blocks.BLOCK_SIZE, oldBlock0, 0, oldBlock0.length)) {
      return Outcome.OLD;
    }
    if (!Superblock.checksumOk(MemoryBlockDevice.of(image).read(0))) {
      return Outcome.NONE;
    }
    return Outcome.NEW;
  }

  private static void assertOldIntact(byte[] old, long[] oldBlocks, byte[] image, String where) {
    int n = old.length / Blocks.BLOCK_SIZE;
    for (int b = 0; b < n; b++) {
      if ((oldBlocks[b >>> 6] & (1L << b)) != 0) {
        int from = b * Blocks.BLOCK_SIZE;
        int to = from + Blocks.BLOCK_SIZE;
        assertTrue(Arrays.equals(old, from, to, image, from, to), where + ": old block " + b);
      }
    }
  }

  private static void assertPasses(byte[] image, String where) throws IOException {
    CheckReport r =
        new ThinChecker(MemoryBlockDevice.of(image), new CheckListener() {})
            .check(CheckOptions.DEFAULT);
    assertTrue(r.passed(false), () -> where + ": thin_check fails: " + r.problems());
  }

  /** The blocks a restore over {@code image} keeps intact (a bit set), or null if none. */
  public static long[] oldMetadataBlocks(byte[] image) {
    return OldMetadata.usedBlocks(MemoryBlockDevice.of(image));
  }

  /** The XML dump of the live pool of {@code dev}. */
  public static byte[] dump(BlockDevice dev) throws IOException {
    Superblock sb = MetadataReader.readSuperblock(dev);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    new Dumper(dev).dump(sb, Dumper.info(sb), Dumper.Options.ALL, new XmlWriter(out));
    return out.toByteArray();
  }
}
