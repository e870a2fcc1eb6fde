package org.thinmeta.thin.write;

import java.util.ArrayList;
import java.util.List;

/** Named operation sequences that build images with a known property, for tests and benchmarks. */
public final class PoolScenarios {
  /** Groups of three devices sharing one mapping tree in {@link #refCountRebalance()}. */
  public static final int REBALANCE_GROUPS = 340;

  /** Snapshot deletions in {@link #refCountRebalance()}; the last one merges two leaves. */
  public static final int REBALANCE_DELETIONS = 116;

  private PoolScenarios() {}

  /** The scenario called {@code name}, or null if there is none. */
  public static List<PoolOp> byName(String name) {
    return "refcount-rebalance".equals(name) ? refCountRebalance() : null;
  }

  /**
   * Metadata blocks with a count of three, enough to give the metadata space map's ref-count tree
   * two leaves, then one decrement per transaction until a removal from that tree merges its leaves
   * in a transaction that had not touched it before: the 2014 LIFO case.
   *
   * <p>Each of 340 groups is a thin device with one mapping and two snapshots of it, so its
   * mapping-tree root has a count of 3 (340 overflow entries: leaves of 168 and 172). Deleting one
   * snapshot per transaction takes a root to 2 and removes its entry; every removal first
   * rebalances the two leaves, which are merged once they hold fewer than 2 * (336/3 + 1) = 226
   * entries: at the 116th deletion. With FIFO the image stays consistent; with LIFO the merge's
   * decrement of the freshly shadowed right leaf comes before its increment and the batch is lost,
   * leaving blocks in use with counts that are too low.
   */
  public static List<PoolOp> refCountRebalance() {
    List<PoolOp> ops = new ArrayList<>();
    for (int g = 0; g < REBALANCE_GROUPS; g++) {
      long origin = 3L * g;
      ops.add(new PoolOp.CreateThin(origin));
      ops.add(new PoolOp.Provision(origin, 0, 1));
      ops.add(new PoolOp.CreateSnap(origin + 1, origin));
      ops.add(new PoolOp.CreateSnap(origin + 2, origin));
    }
    ops.add(new PoolOp.Commit());
    for (int g = 0; g < REBALANCE_DELETIONS; g++) {
      ops.add(new PoolOp.Delete(3L * g + 1));
      ops.add(new PoolOp.Commit());
    }
    return ops;
  }
}
