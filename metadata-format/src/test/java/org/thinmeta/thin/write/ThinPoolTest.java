package org.thinmeta.thin.write;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

  /**
   * A removal merges the two leaves under a device's root, leaving the root with one child; a
   * snapshot then shares the root, and the next removal in the origin copies the (now shared) child
   * into the root's shadow. The copy must add references to the child's data blocks, or the
   * snapshot's blocks end with counts that are too low.
   */
  @Test
  void collapseOfARootWithASharedOnlyChild_keepsTheCounts() throws IOException {
    MemoryBlockDevice dev = new MemoryBlockDevice(512);
    ThinPool pool = ThinPool.format(dev, 128, 4096, ThinPool.Options.DEFAULT);
    PoolModel model = new PoolModel(4096);
    run(pool, model, dev, script("create_thin 0\nprovision 0 0 300\ncommit\n"));
    long v = 0;
    while (rootEntries(dev, 0) != 1) {
      assertTrue(v < 200, "the root never came down to one child");
      run(pool, model, dev, List.of(new PoolOp.Discard(0, v++, 1), new PoolOp.Commit()));
    }
    assertTrue(!rootIsLeaf(dev, 0));
    run(pool, model, dev, script("create_snap 1 0\ncommit\ndiscard 0 250\ncommit\n"));
    assertTrue(rootIsLeaf(dev, 0), "the origin's root took over its only child");
    assertEquals(300 - v, model.committed().devices().get(1L).map().size());
  }

  private static org.thinmeta.pdata.btree.Node root(MemoryBlockDevice dev, long devId)
      throws IOException {
    Audit.Result r = Audit.run(dev);
    long root =
        org.thinmeta.thin.read.MetadataReader.readTopLevel(
                dev, dev.nrBlocks(), r.sb().mappingRoot())
            .get(devId);
    return org.thinmeta.pdata.btree.Node.decode(root, dev.read(root));
  }

  private static int rootEntries(MemoryBlockDevice dev, long devId) throws IOException {
    return root(dev, devId).nrEntries();
  }

  private static boolean rootIsLeaf(MemoryBlockDevice dev, long devId) throws IOException {
    return root(dev, devId).isLeaf();
  }

  /** What check --auto-repair / --clear-needs-check-flag do through the engine. */
  @Test
  void fixingLeaksAndClearingNeedsCheck_isOneSafeCommit() throws IOException {
    MemoryBlockDevice dev = new MemoryBlockDevice(256);
    ThinPool pool = ThinPool.format(dev, 128, 1000, ThinPool.Options.DEFAULT);
    pool.createThin(0);
    pool.provision(0, 0);
    pool.setNeedsCheck(true);
    pool.metadataSpaceMap().setCount(200, 1);
    pool.dataSpaceMap().setCount(900, 1);
    pool.commit();
    assertEquals(
        List.of(
            "metadata block 200: expected count 0, on disk 1",
            "data block 900: expected count 0, on disk 1"),
        Audit.run(dev).problems());

    RecordingDevice rec = new RecordingDevice(dev);
    ThinPool again = ThinPool.open(rec, ThinPool.Options.DEFAULT);
    java.util.BitSet before = Audit.run(dev).reachable();
    again.metadataSpaceMap().setCount(200, 0);
    again.dataSpaceMap().setCount(900, 0);
    again.setNeedsCheck(false);
    again.commit();
    Audit.Result r = Audit.run(dev);
    assertEquals(List.of(), r.problems());
    assertEquals(0, r.sb().flags());
    assertEquals(1, r.devices().get(0L).map().size());
    java.util.BitSet overwritten = rec.drain();
    overwritten.and(before);
    overwritten.clear(0);
    assertEquals(new java.util.BitSet(), overwritten, "only new blocks and the superblock");
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
