package org.thinmeta.repair.check;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.thinmeta.pdata.io.MemoryBlockDevice;
import org.thinmeta.thin.write.Expect;
import org.thinmeta.thin.write.PoolModel;
import org.thinmeta.thin.write.PoolOp;
import org.thinmeta.thin.write.PoolScript;
import org.thinmeta.thin.write.RandomOps;
import org.thinmeta.thin.write.ThinPool;
import org.thinmeta.thin.write.ThinPoolException;

/**
 * Random kernel-style operation sequences through the write-path engine (thin and snapshot
 * creation, provisioning, overwrites of shared blocks, discards, deletions, metadata snapshots),
 * with our thin_check run after every commit: it must find no problem at all, fatal or not, and the
 * image must hold exactly the devices, details and mappings of an in-memory model (and of its
 * metadata snapshot, when one is held).
 */
class EngineSequencesCheckTest {
  @Property(tries = 1000)
  void everyCommit_passesThinCheck(
      @ForAll long seed, @ForAll @IntRange(min = 20, max = 120) int length) throws IOException {
    MemoryBlockDevice mem = new MemoryBlockDevice(2048);
    ThinPool pool = ThinPool.format(mem, 128, 40000, ThinPool.Options.DEFAULT);
    PoolModel model = new PoolModel(40000);
    RandomOps random = new RandomOps(seed, 3000, 300);
    assertClean(mem, model, "format");
    for (int i = 0; i < length; i++) {
      PoolOp op = random.next(pool);
      try {
        PoolScript.apply(pool, op, model);
      } catch (ThinPoolException e) {
        continue;
      }
      if (op instanceof PoolOp.Commit || op instanceof PoolOp.ReserveMetadataSnap) {
        assertClean(mem, model, "after op " + i + " " + op);
      }
    }
    pool.commit();
    model.commit();
    assertClean(mem, model, "final commit");
  }

  private static void assertClean(MemoryBlockDevice mem, PoolModel model, String when)
      throws IOException {
    CheckReport r = new ThinChecker(mem, new CheckListener() {}).check(CheckOptions.DEFAULT);
    assertEquals(CheckReport.Outcome.CLEAN, r.outcome(), when + ": " + r);
    assertEquals(List.of(), r.problems(), when);
    assertEquals(List.of(), Expect.consistentWith(mem, model), when + ": image against the model");
  }
}
