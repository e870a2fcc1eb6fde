package org.thinmeta.pdata.sm;

import java.io.IOException;
import org.thinmeta.pdata.spacemap.SmRoot;

/** Reference counts of a range of blocks, changed within a transaction and committed with it. */
public interface SpaceMap {
  /** Number of blocks tracked. */
  long nrBlocks() throws IOException;

  /** Number of blocks with a count above zero (as the space map root will record it). */
  long nrAllocated() throws IOException;

  /** The current reference count of {@code b}. */
  long count(long b) throws IOException;

  /** True if {@code b} is shared, i.e. its count is above one. */
  default boolean countIsMoreThanOne(long b) throws IOException {
    return count(b) > 1;
  }

  /**
   * Allocates a block that is free both now and in the last committed state, and gives it a count
   * of one.
   *
   * @throws org.thinmeta.pdata.tm.OutOfSpaceException if there is none
   */
  long newBlock() throws IOException;

  /** Adds one reference to {@code b}. */
  void inc(long b) throws IOException;

  /** Drops one reference to {@code b}. */
  void dec(long b) throws IOException;

  /** Sets the count of {@code b} (repair: fixing a leak or a wrong count). */
  void setCount(long b, long count) throws IOException;

  /** Grows the map by {@code extra} blocks. */
  void extend(long extra) throws IOException;

  /** Writes what the map changed in this transaction; afterwards this state is the "old" one. */
  void commit() throws IOException;

  /** The root to store in the superblock after {@link #commit}. */
  SmRoot root() throws IOException;
}
