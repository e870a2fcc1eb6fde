package org.thinmeta.thin.write;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.thinmeta.pdata.io.MemoryBlockDevice;

class ThinPoolTest {
  static List<PoolOp> script(String text) {
    return text.lines().map(PoolOp::parse).filter(o -> o != null).toList();
  }

  static void run(ThinPool pool, PoolModel model, MemoryBlockDevice dev, List<PoolOp> ops)
      throws IOException {
    for (PoolOp op : ops) {
      PoolScript.apply(pool, op, model);
      if (op instanceof PoolOp.Commit) {
        assertEquals(List.of(), Expect.consistentWith(dev, model), "after " + op);
      }
    }
  }

  @Test
  void format_givesAConsistentEmptyPool() throws IOException {
    MemoryBlockDevice dev = new MemoryBlockDevice(256);
    ThinPool.format(dev, 128, 1000, ThinPool.Options.DEFAULT);
    Audit.Result r = Audit.run(dev);
    assertEquals(List.of(), r.problems());
    assertEquals(0, r.devices().size());
    assertEquals(2, r.sb().version());
    assertEquals(1000, r.sb().dataSmRoot().nrBlocks());
    assertEquals(256, r.sb().metadataSmRoot().nrBlocks());
    assertNull(r.snap());
  }

  @Test
  void snapshotsWritesDiscardsAndDeletes_stayConsistent() throws IOException {
    MemoryBlockDevice dev = new MemoryBlockDevice(1024);
    ThinPool pool = ThinPool.format(dev, 128, 20000, ThinPool.Options.DEFAULT);
    PoolModel model = new PoolModel(20000);
    run(
        pool,
        model,
        dev,
        script(
            """
            create_thin 0
            provision 0 0 600
            commit
            create_snap 1 0
            write 0 100 50
            commit
            create_snap 2 1
            write 1 0 300
            discard 0 0 10
            commit
            reserve_metadata_snap
            write 2 500 100
            delete 1
            commit
            release_metadata_snap
            discard 2 0 600
            set_transaction_id 7
            commit
            delete 0
            delete 2
            commit
            """));
    assertEquals(0, pool.dataSpaceMap().nrAllocated());
  }

  @Test
  void refusedOperations_changeNothing() throws IOException {
    MemoryBlockDevice dev = new MemoryBlockDevice(128);
    ThinPool pool = ThinPool.format(dev, 128, 100, ThinPool.Options.DEFAULT);
    pool.createThin(3);
    ThinPoolException e = assertThrows(ThinPoolException.class, () -> pool.createThin(3));
    assertEquals("thin device 3 already exists", e.getMessage());
    e = assertThrows(ThinPoolException.class, () -> pool.createSnap(4, 9));
    assertEquals("unknown thin device 9", e.getMessage());
    e = assertThrows(ThinPoolException.class, () -> pool.releaseMetadataSnap());
    assertEquals("no metadata snapshot to release", e.getMessage());
    pool.commit();
    assertEquals(List.of(), Audit.run(dev).problems());
  }
}
