package org.thinmeta.pdata.cow;

import java.io.IOException;
import org.thinmeta.pdata.checksum.BlockKind;
import org.thinmeta.pdata.tm.TransactionManager;

/**
 * The path of shadowed nodes an update walks down: the current node and its parent, both writable,
 * and the location of the first node shadowed (the new root). One spine can run through the two
 * levels of the thin mapping tree, so that the bottom-level root's new location is patched into the
 * top-level leaf that holds it.
 */
public final class Spine {
  private final TransactionManager tm;
  private long root = -1;
  private long parentLoc = -1;
  private byte[] parent;
  private long currentLoc = -1;
  private byte[] current;
  private int count;

  /** An empty spine. */
  public Spine(TransactionManager tm) {
    this.tm = tm;
  }

  /** Shadows {@code b} and makes it the current node; its parent is the previous current one. */
  void step(long b, ValueType vt) throws IOException {
    TransactionManager.Shadow s = tm.shadow(b, BlockKind.NODE);
    if (s.incChildren()) {
      BTree.incChildren(tm, s.data(), vt);
    }
    parentLoc = currentLoc;
    parent = current;
    currentLoc = s.location();
    current = s.data();
    if (count == 0) {
      root = currentLoc;
    }
    count++;
  }

  /** Replaces the current node (after a split chose the sibling to go on with). */
  void replaceCurrent(long loc, byte[] data) {
    currentLoc = loc;
    current = data;
  }

  boolean hasParent() {
    return count > 1;
  }

  /** The location of the first node shadowed: the tree's new root. */
  public long root() {
    return root;
  }

  /** The current node, writable. */
  public byte[] current() {
    return current;
  }

  /** Location of the current node. */
  public long currentLocation() {
    return currentLoc;
  }

  byte[] parent() {
    return parent;
  }

  long parentLocation() {
    return parentLoc;
  }
}
