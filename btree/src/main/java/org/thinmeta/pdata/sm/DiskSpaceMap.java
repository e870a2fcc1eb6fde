package org.thinmeta.pdata.sm;

import java.io.IOException;
import org.thinmeta.pdata.damage.CorruptMetadataException;
import org.thinmeta.pdata.spacemap.SmRoot;
import org.thinmeta.pdata.tm.OutOfSpaceException;
import org.thinmeta.pdata.tm.TransactionManager;

/**
 * The data space map (the kernel's sm_disk, modelled): counts of data blocks, stored in metadata
 * blocks through the transaction manager. Allocation takes the next block at or after a moving
 * cursor (wrapping once) that is free both now and in the last committed state, so that a data
 * block freed in this transaction is not handed out before the commit that frees it is durable.
 */
public final class DiskSpaceMap implements SpaceMap {
  private final TransactionManager tm;
  private LowLevel ll;
  private LowLevel old;
  private long begin;

  private DiskSpaceMap(TransactionManager tm) {
    this.tm = tm;
  }

  /** Creates a data space map of {@code nrBlocks} blocks (written at the next commit). */
  public static DiskSpaceMap create(TransactionManager tm, long nrBlocks) throws IOException {
    DiskSpaceMap sm = new DiskSpaceMap(tm);
    sm.ll = DataIndex.create(tm);
    sm.old = sm.ll.copy();
    sm.ll.extend(nrBlocks);
    return sm;
  }

  /** Opens the committed data space map at {@code root}. */
  public static DiskSpaceMap open(TransactionManager tm, SmRoot root) throws IOException {
    DiskSpaceMap sm = new DiskSpaceMap(tm);
    sm.ll = DataIndex.open(tm, root);
    sm.old = sm.ll.copy();
    return sm;
  }

  /** The transaction manager holding this map's blocks. */
  public TransactionManager tm() {
    return tm;
  }

  @Override
  public long nrBlocks() {
    return ll.nrBlocks;
  }

  @Override
  public long nrAllocated() {
    return ll.nrAllocated;
  }

  @Override
  public long count(long b) throws IOException {
    return ll.lookup(b);
  }

  @Override
  public long newBlock() throws IOException {
    long b = ll.findFree(old, begin, ll.nrBlocks);
    if (b < 0) {
      b = ll.findFree(old, 0, Math.min(begin, ll.nrBlocks));
    }
    if (b < 0) {
      throw new OutOfSpaceException("out of data space");
    }
    begin = b + 1;
    ll.mutate(b, 1, false, 0);
    return b;
  }

  @Override
  public void inc(long b) throws IOException {
    ll.mutate(b, 1, false, 0);
  }

  @Override
  public void dec(long b) throws IOException {
    try {
      ll.mutate(b, -1, false, 0);
    } catch (LowLevel.BelowZeroException e) {
      throw new CorruptMetadataException(
          "data space map: unable to decrement a reference count below 0 (block " + b + ")");
    }
  }

  @Override
  public void setCount(long b, long count) throws IOException {
    ll.mutate(b, 0, true, count);
  }

  @Override
  public void extend(long extra) throws IOException {
    ll.extend(extra);
  }

  @Override
  public void commit() throws IOException {
    ll.commitIndex();
    old = ll.copy();
  }

  @Override
  public SmRoot root() {
    return new SmRoot(ll.nrBlocks, ll.nrAllocated, ll.bitmapRoot, ll.refCountRoot);
  }

  /** Count of {@code b} in the last committed state (0 beyond its end). */
  public long committedCount(long b) throws IOException {
    return b < old.nrBlocks ? old.lookup(b) : 0;
  }
}
