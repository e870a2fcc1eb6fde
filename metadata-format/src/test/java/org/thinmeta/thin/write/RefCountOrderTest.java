package org.thinmeta.thin.write;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.thinmeta.pdata.btree.Node;
import org.thinmeta.pdata.io.MemoryBlockDevice;
import org.thinmeta.pdata.sm.MetadataSpaceMap.OpOrder;

/**
 * Acceptance 3 of issue 4: a decrement of a count-3 block whose removal from the metadata ref-count
 * tree merges two leaves. FIFO keeps the metadata consistent; LIFO (the 2014 bug) leaves blocks in
 * use with counts that are too low.
 *
 * <p>TODO(check, repair): when thin_check lands it must report the LIFO image as fatal (too-low
 * counts), and thin_repair must fix it; the image comes from {@link #build} or from {@code
 * thin_generate_metadata --scenario refcount-rebalance --op-order lifo}.
 */
class RefCountOrderTest {
  static final int METADATA_BLOCKS = 4096;
  static final long DATA_BLOCKS = 1024;

  /** Runs the scenario; returns the device and the pool. */
  static ThinPool build(MemoryBlockDevice dev, OpOrder order) throws IOException {
    ThinPool pool =
        ThinPool.format(dev, 128, DATA_BLOCKS, ThinPool.Options.DEFAULT.withOpOrder(order));
    for (PoolOp op : PoolScenarios.refCountRebalance()) {
      PoolScript.apply(pool, op, null);
    }
    return pool;
  }

  @Test
  void fifo_mergesTheRefCountLeavesAndStaysConsistent() throws IOException {
    MemoryBlockDevice dev = new MemoryBlockDevice(METADATA_BLOCKS);
    ThinPool pool = build(dev, OpOrder.FIFO);
    assertEquals(0, pool.metadataSpaceMap().belowZeroEvents());
    Audit.Result r = Audit.run(dev);
    assertEquals(List.of(), r.problems());
    // The merge happened: the root is left with one child (collapsed by the next removal), a
    // leaf holding every remaining count-3 root.
    Node root = Node.decode(0, dev.read(r.sb().metadataSmRoot().refCountRoot()));
    assertFalse(root.isLeaf());
    assertEquals(1, root.nrEntries());
    Node leaf = Node.decode(0, dev.read(root.valueU64(0)));
    assertTrue(leaf.isLeaf());
    assertEquals(
        PoolScenarios.REBALANCE_GROUPS - PoolScenarios.REBALANCE_DELETIONS, leaf.nrEntries());
  }

  @Test
  void fifo_beforeTheLastDeletion_hasTwoRefCountLeaves() throws IOException {
    MemoryBlockDevice dev = new MemoryBlockDevice(METADATA_BLOCKS);
    ThinPool pool = ThinPool.format(dev, 128, DATA_BLOCKS, ThinPool.Options.DEFAULT);
    List<PoolOp> ops = PoolScenarios.refCountRebalance();
    for (PoolOp op : ops.subList(0, ops.size() - 2)) {
      PoolScript.apply(pool, op, null);
    }
    Audit.Result r = Audit.run(dev);
    assertEquals(List.of(), r.problems());
    Node root = Node.decode(0, dev.read(r.sb().metadataSmRoot().refCountRoot()));
    assertFalse(root.isLeaf());
    assertEquals(2, root.nrEntries());
  }

  @Test
  void lifo_losesIncrementsOfBlocksInUse() throws IOException {
    MemoryBlockDevice dev = new MemoryBlockDevice(METADATA_BLOCKS);
    ThinPool pool = build(dev, OpOrder.LIFO);
    assertEquals(1, pool.metadataSpaceMap().belowZeroEvents());
    assertTrue(pool.metadataSpaceMap().lostOps() > 0);
    Audit.Result r = Audit.run(dev);
    assertFalse(r.tooLowMetadata().isEmpty(), r.problems().toString());
    for (long b : r.tooLowMetadata()) {
      assertTrue(r.reachable().get((int) b), "block " + b + " is in use");
    }
  }

  @Test
  void lifo_beforeTheMerge_isStillConsistent() throws IOException {
    MemoryBlockDevice dev = new MemoryBlockDevice(METADATA_BLOCKS);
    ThinPool pool =
        ThinPool.format(dev, 128, DATA_BLOCKS, ThinPool.Options.DEFAULT.withOpOrder(OpOrder.LIFO));
    List<PoolOp> ops = PoolScenarios.refCountRebalance();
    for (PoolOp op : ops.subList(0, ops.size() - 2)) {
      PoolScript.apply(pool, op, null);
    }
    assertEquals(0, pool.metadataSpaceMap().belowZeroEvents());
    assertEquals(List.of(), Audit.run(dev).problems());
  }
}
