package org.thinmeta.thin.write;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.thinmeta.pdata.io.MemoryBlockDevice;
import org.thinmeta.pdata.io.VolatileCacheDevice;
import org.thinmeta.pdata.sm.MetadataSpaceMap;

/**
 * Acceptance 4 of issue 4 (engine part): random engine sequences on a device with a volatile write
 * cache, crashed at every write and at every flush. After each crash the durable image must pass
 * the audit and hold either the metadata of the last completed commit or that of the commit in
 * progress; it must also open and commit again.
 *
 * <p>A tiny cache makes the engine write blocks before the commit too (allowed: they are new
 * blocks), so crashes also land in the middle of operations.
 */
class CrashSafetyTest {
  static final int METADATA_BLOCKS = 1024;
  static final long DATA_BLOCKS = 8192;
  static final int SEEDS = 16;
  static final int OPS = 45;
  static final ThinPool.Options OPTIONS =
      new ThinPool.Options(MetadataSpaceMap.OpOrder.FIFO, 48, 12);

  private record Committed(PoolModel.State state, PoolModel.State held) {}

  @Test
  void everyWriteAndFlushCrashPoint_leavesTheOldOrTheNewMetadata() throws IOException {
    long points = 0;
    for (long seed = 1; seed <= SEEDS; seed++) {
      points += crashEverywhere(seed);
    }
    System.out.println("CrashSafetyTest: crash points tried: " + points);
    assertTrue(points >= 1500, "only " + points + " crash points");
  }

  private static boolean commits(PoolOp op) {
    return op instanceof PoolOp.Commit || op instanceof PoolOp.ReserveMetadataSnap;
  }

  private long crashEverywhere(long seed) throws IOException {
    MemoryBlockDevice mem = new MemoryBlockDevice(METADATA_BLOCKS);
    ThinPool base = ThinPool.format(mem, 128, DATA_BLOCKS, OPTIONS);
    PoolModel model = new PoolModel(DATA_BLOCKS);
    for (PoolOp op :
        ThinPoolTest.script(
            "create_thin 0\nprovision 0 0 "
                + (200 + seed * 53 % 400)
                + "\ncreate_snap 1 0\nwrite 0 10 30\ncommit\n")) {
      PoolScript.apply(base, op, model);
    }
    byte[] image = mem.toByteArray();
    List<Committed> states = new ArrayList<>();
    states.add(new Committed(model.committed(), model.committedHeld()));

    VolatileCacheDevice ref = new VolatileCacheDevice(image, seed);
    ThinPool pool = ThinPool.open(ref, OPTIONS);
    RandomOps gen = new RandomOps(seed, 700, 60);
    List<PoolOp> ops = new ArrayList<>();
    for (int i = 0; i < OPS; i++) {
      PoolOp op = gen.next(pool);
      ops.add(op);
      PoolScript.apply(pool, op, model);
      if (commits(op)) {
        states.add(new Committed(model.committed(), model.committedHeld()));
      }
    }
    ops.add(new PoolOp.Commit());
    PoolScript.apply(pool, new PoolOp.Commit(), model);
    states.add(new Committed(model.committed(), model.committedHeld()));
    assertEquals(List.of(), Expect.consistentWith(MemoryBlockDevice.of(ref.durableImage()), model));

    long writes = ref.writes();
    long flushes = ref.flushes();
    for (long w = 1; w <= writes; w++) {
      long n = w;
      crashAt(image, ops, states, d -> d.crashAtWrite(n), seed * 100003 + w, "write " + w);
    }
    for (long f = 1; f <= flushes; f++) {
      long n = f;
      crashAt(image, ops, states, d -> d.crashAtFlush(n), seed * 7919 + f, "flush " + f);
    }
    return writes + flushes;
  }

  private void crashAt(
      byte[] image,
      List<PoolOp> ops,
      List<Committed> states,
      Consumer<VolatileCacheDevice> arm,
      long crashSeed,
      String where)
      throws IOException {
    VolatileCacheDevice dev = new VolatileCacheDevice(image, crashSeed);
    arm.accept(dev);
    ThinPool pool = ThinPool.open(dev, OPTIONS);
    int done = 0;
    boolean inCommit = false;
    try {
      for (PoolOp op : ops) {
        inCommit = commits(op);
        PoolScript.apply(pool, op, null);
        if (inCommit) {
          done++;
        }
        inCommit = false;
      }
      fail("no crash at " + where);
    } catch (VolatileCacheDevice.CrashException expected) {
      // The durable image is what matters now.
    }
    MemoryBlockDevice after = MemoryBlockDevice.of(dev.durableImage());
    Audit.Result r = Audit.run(after);
    Committed old = states.get(done);
    List<String> asOld = Expect.consistentWith(r, old.state(), old.held());
    if (!asOld.isEmpty()) {
      List<String> asNew = List.of("no commit was in progress");
      if (inCommit) {
        Committed next = states.get(done + 1);
        asNew = Expect.consistentWith(r, next.state(), next.held());
      }
      if (!asNew.isEmpty()) {
        fail("crash at " + where + ": neither old " + asOld + " nor new " + asNew);
      }
    }
    // The survivor must be usable: open it, change it, commit, and it must still be sound.
    ThinPool again = ThinPool.open(after, OPTIONS);
    again.setTransactionId(again.transactionId() + 1);
    again.commit();
    assertEquals(List.of(), Audit.run(after).problems(), "reopened after crash at " + where);
  }
}
