package org.thinmeta.repair.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.thinmeta.pdata.io.MemoryBlockDevice;
import org.thinmeta.pdata.io.VolatileCacheDevice;
import org.thinmeta.pdata.spacemap.SpaceMapReader;
import org.thinmeta.thin.format.Superblock;

/**
 * Crash safety of the checks that write: clearing NEEDS_CHECK and repairing leaks. A crash at every
 * write and every flush, with several outcomes of the volatile cache each, leaves either the old
 * metadata (flag set, leaks) or the new (flag clear, clean), and both pass the check.
 */
class CheckWriteCrashTest {
  private static final int SEEDS = 3;

  @Test
  void clearNeedsCheck_crashAnywhere_leavesOldOrNew() throws IOException {
    byte[] base = Pools.withFlags(Superblock.NEEDS_CHECK).dev().toByteArray();
    int tried = crashEverywhere(base, CheckOptions.builder().clearNeedsCheck(true).build(), 0);
    assertTrue(tried >= 3 * SEEDS, "crash points tried: " + tried);
  }

  @Test
  void autoRepair_crashAnywhere_leavesOldOrNew() throws IOException {
    Pools.Pool p = Pools.withFlags(Superblock.NEEDS_CHECK);
    DamageInjector inj = new DamageInjector(p.dev());
    inj.setCount(SpaceMapReader.Kind.DATA, 95_000, 1);
    inj.setCount(SpaceMapReader.Kind.METADATA, 1000, 1);
    byte[] base = p.dev().toByteArray();
    int tried = crashEverywhere(base, CheckOptions.builder().autoRepair(true).build(), 2);
    assertTrue(tried >= 6 * SEEDS, "crash points tried: " + tried);
    System.out.println("auto-repair crash points tried: " + tried);
  }

  /** Returns the number of crash points tried. */
  private static int crashEverywhere(byte[] base, CheckOptions options, int leaksBefore)
      throws IOException {
    VolatileCacheDevice dry = new VolatileCacheDevice(base, 0);
    CheckReport clean = new ThinChecker(dry, new CheckListener() {}).check(options);
    assertTrue(clean.passed(false), clean.toString());
    long writes = dry.writes();
    long flushes = dry.flushes();
    assertTrue(writes > 0 && flushes >= 2, "writes " + writes + ", flushes " + flushes);
    assertNewOrOld(dry.durableImage(), leaksBefore, true);
    int tried = 0;
    for (int kind = 0; kind < 2; kind++) {
      long points = kind == 0 ? writes : flushes;
      for (long n = 1; n <= points; n++) {
        for (int seed = 0; seed < SEEDS; seed++) {
          VolatileCacheDevice dev = new VolatileCacheDevice(base, n * 7919 + seed);
          if (kind == 0) {
            dev.crashAtWrite(n);
          } else {
            dev.crashAtFlush(n);
          }
          try {
            new ThinChecker(dev, new CheckListener() {}).check(options);
          } catch (IOException e) {
            // The simulated crash.
          }
          dev.crash();
          assertNewOrOld(dev.durableImage(), leaksBefore, false);
          tried++;
        }
      }
    }
    return tried;
  }

  private static void assertNewOrOld(byte[] image, int leaksBefore, boolean mustBeNew)
      throws IOException {
    MemoryBlockDevice dev = MemoryBlockDevice.of(image);
    Superblock sb = Superblock.decode(dev.read(0));
    assertTrue(Superblock.checksumOk(dev.read(0)), "superblock must stay valid");
    CheckReport r =
        new ThinChecker(dev, new CheckListener() {})
            .check(CheckOptions.builder().ignoreNonFatal(true).build());
    assertTrue(r.passed(true), "no fatal damage after a crash: " + r);
    long leaks = r.count(Problem.Kind.DATA_LEAK) + r.count(Problem.Kind.METADATA_LEAK);
    if (sb.needsCheck()) {
      assertTrue(!mustBeNew, "old state after a completed run");
      assertEquals(leaksBefore, leaks, "old state keeps exactly its leaks: " + r);
    } else {
      assertEquals(0, leaks, "new state is clean: " + r);
      assertEquals(List.of(), r.problems(), r.toString());
    }
  }
}
