package org.thinmeta.pdata.sm;

import java.io.IOException;
import java.util.ArrayDeque;
import org.thinmeta.pdata.damage.CorruptMetadataException;
import org.thinmeta.pdata.spacemap.SmRoot;
import org.thinmeta.pdata.tm.OutOfSpaceException;
import org.thinmeta.pdata.tm.TransactionManager;

/**
 * The metadata space map (the kernel's sm_metadata, modelled). It stores the counts of the very
 * blocks it lives in, so changing a count can need new blocks (a bitmap or ref-count node must be
 * shadowed), which changes counts again. While one change is in progress every further increment or
 * decrement is queued, and the queue is applied when the outermost change finishes; operations
 * queued while applying it join the same queue. Counts read meanwhile include the queued
 * adjustments.
 *
 * <p>The queue is applied in the order given by {@link OpOrder}. {@link OpOrder#FIFO} is correct.
 * {@link OpOrder#LIFO} reproduces the 2014 persistent-data bug (fixed in Linux 3.15 by "dm space
 * map metadata: fix refcount decrement below 0 which caused corruption"): when removing an entry
 * from the ref-count tree rebalances it, a child freshly shadowed in the same batch may be freed by
 * the merge; applied last-first, that decrement meets a count of zero before the shadow's
 * increment. The kernel then failed with "unable to decrement a reference count below 0" and the
 * batch was not applied; this model drops the rest of the batch the same way but carries on and
 * commits, so the blocks whose increments were lost (the new bitmap, ref-count root and surviving
 * child, all in use) end with counts that are too low. {@link #belowZeroEvents()} and {@link
 * #lostOps()} tell when that happened.
 *
 * <p>Allocation takes the next block at or after a moving cursor (wrapping once) that is free both
 * now and in the last committed state, so no block the committed superblock can reach is reused.
 */
public final class MetadataSpaceMap implements SpaceMap {
  /** The order in which queued operations are applied. */
  public enum OpOrder {
    /** First in, first out: correct. */
    FIFO,
    /** Last in, first out: the 2014 bug. */
    LIFO
  }

  private record Op(boolean inc, long block) {}

  private final TransactionManager tm;
  private final OpOrder order;
  private final ArrayDeque<Op> queue = new ArrayDeque<>();
  private LowLevel ll;
  private LowLevel old;
  private long begin;
  private int depth;
  private boolean bootstrap;
  private long belowZeroEvents;
  private long lostOps;

  private MetadataSpaceMap(TransactionManager tm, OpOrder order) {
    this.tm = tm;
    this.order = order;
  }

  /**
   * Creates the space map of a fresh metadata device of {@code nrBlocks} blocks (at most 255
   * bitmaps' worth) and installs it in {@code tm}. Block 0 (the superblock) and the map's own
   * blocks get a count of one; everything is written at the next commit.
   */
  public static MetadataSpaceMap create(TransactionManager tm, long nrBlocks, OpOrder order)
      throws IOException {
    MetadataSpaceMap sm = new MetadataSpaceMap(tm, order);
    tm.setSpaceMap(sm);
    sm.bootstrap = true;
    sm.begin = 1;
    MetadataIndex ll = MetadataIndex.create(tm);
    sm.ll = ll;
    ll.extend(nrBlocks);
    if (sm.begin > nrBlocks) {
      throw new OutOfSpaceException("out of metadata space");
    }
    long used = sm.begin;
    sm.bootstrap = false;
    sm.old = ll.copy();
    for (long b = 0; b < used; b++) {
      sm.inc(b);
    }
    sm.old = ll.copy();
    return sm;
  }

  /** Opens the committed space map at {@code root} and installs it in {@code tm}. */
  public static MetadataSpaceMap open(TransactionManager tm, SmRoot root, OpOrder order)
      throws IOException {
    MetadataSpaceMap sm = new MetadataSpaceMap(tm, order);
    tm.setSpaceMap(sm);
    sm.ll = MetadataIndex.open(tm, root);
    sm.old = sm.ll.copy();
    return sm;
  }

  /** The order queued operations are applied in. */
  public OpOrder order() {
    return order;
  }

  /** Times a queued decrement met a count of zero (only with {@link OpOrder#LIFO}). */
  public long belowZeroEvents() {
    return belowZeroEvents;
  }

  /** Queued operations dropped after such an event. */
  public long lostOps() {
    return lostOps;
  }

  @Override
  public long nrBlocks() {
    return ll.nrBlocks;
  }

  @Override
  public long nrAllocated() {
    return ll.nrAllocated;
  }

  private int adjustment(long b) {
    int adj = 0;
    for (Op op : queue) {
      if (op.block == b) {
        adj += op.inc ? 1 : -1;
      }
    }
    return adj;
  }

  @Override
  public long count(long b) throws IOException {
    if (bootstrap) {
      return b < begin ? 1 : 0;
    }
    return ll.lookup(b) + adjustment(b);
  }

  @Override
  public boolean countIsMoreThanOne(long b) throws IOException {
    if (bootstrap) {
      return false;
    }
    int adj = adjustment(b);
    if (adj > 1) {
      return true;
    }
    int v = ll.bitmapValue(b);
    // An overflowed count is at least three; queued decrements cannot take it below two.
    return v == 3 || v + adj > 1;
  }

  @Override
  public long newBlock() throws IOException {
    if (bootstrap) {
      return begin++;
    }
    long b = findFree(begin, ll.nrBlocks);
    if (b < 0) {
      b = findFree(0, begin);
    }
    if (b < 0) {
      throw new OutOfSpaceException("out of metadata space");
    }
    begin = b + 1;
    change(true, b);
    return b;
  }

  private long findFree(long from, long to) throws IOException {
    long b = from;
    while (b < to) {
      long c = ll.findFree(old, b, to);
      if (c < 0) {
        return -1;
      }
      if (adjustment(c) == 0) {
        return c;
      }
      // An allocation whose increment is still queued.
      b = c + 1;
    }
    return -1;
  }

  @Override
  public void inc(long b) throws IOException {
    checkNotBootstrap();
    change(true, b);
  }

  @Override
  public void dec(long b) throws IOException {
    checkNotBootstrap();
    change(false, b);
  }

  @Override
  public void setCount(long b, long count) throws IOException {
    checkNotBootstrap();
    if (depth > 0) {
      throw new IllegalStateException("setCount while the space map is changing");
    }
    depth++;
    try {
      ll.mutate(b, 0, true, count);
    } finally {
      out();
    }
  }

  private void checkNotBootstrap() {
    if (bootstrap) {
      throw new IllegalStateException("reference change while bootstrapping the space map");
    }
  }

  private void change(boolean inc, long b) throws IOException {
    if (depth > 0) {
      queue.addLast(new Op(inc, b));
      return;
    }
    depth++;
    try {
      apply(new Op(inc, b));
    } finally {
      out();
    }
  }

  private void out() throws IOException {
    try {
      if (depth == 1) {
        applyQueue();
      }
    } finally {
      depth--;
    }
  }

  private void applyQueue() throws IOException {
    try {
      while (!queue.isEmpty()) {
        if (order == OpOrder.FIFO) {
          // The op stays queued (and counted in adjustments) while it is applied.
          Op op = queue.peekFirst();
          boolean ok = apply(op);
          queue.pollFirst();
          if (!ok) {
            break;
          }
        } else {
          Op op = queue.pollLast();
          if (!apply(op)) {
            lostOps += queue.size();
            queue.clear();
          }
        }
      }
    } catch (IOException | RuntimeException e) {
      queue.clear();
      throw e;
    }
  }

  /** Applies one operation to the counts; false if a LIFO decrement met zero. */
  private boolean apply(Op op) throws IOException {
    try {
      ll.mutate(op.block, op.inc ? 1 : -1, false, 0);
      return true;
    } catch (LowLevel.BelowZeroException e) {
      if (order == OpOrder.LIFO) {
        belowZeroEvents++;
        return false;
      }
      throw new CorruptMetadataException(
          "metadata space map: unable to decrement a reference count below 0 (block "
              + e.block
              + ")");
    }
  }

  @Override
  public void extend(long extra) {
    throw new UnsupportedOperationException("the metadata space map cannot grow here");
  }

  @Override
  public void commit() throws IOException {
    if (depth != 0 || !queue.isEmpty()) {
      throw new IllegalStateException("commit while the metadata space map is changing");
    }
    ll.commitIndex();
    old = ll.copy();
  }

  @Override
  public SmRoot root() {
    return new SmRoot(ll.nrBlocks, ll.nrAllocated, ll.bitmapRoot, ll.refCountRoot);
  }

  /** Count of {@code b} in the last committed state. */
  public long committedCount(long b) throws IOException {
    return b < old.nrBlocks ? old.lookup(b) : 0;
  }
}
