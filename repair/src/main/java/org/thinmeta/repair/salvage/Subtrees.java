package org.thinmeta.repair.salvage;

import java.util.BitSet;

/**
 * Classification and statistics of 8-byte btrees found by a scan, memoised per node: whether a node
 * roots a complete, valid mapping tree (bottom level) or top-level tree, its mapping count, newest
 * time and highest data block; and which blocks some valid internal node points to.
 *
 * <p>An 8-byte leaf whose values are all small enough to be metadata block numbers is taken for a
 * top-level leaf if it has two or more entries (as mappings they would all map data block 0, which
 * no device does twice) or if its single value points at an 8-byte node. Otherwise it is a mapping
 * leaf. Context overrides this when a tree is reached from a superblock.
 */
final class Subtrees {
  static final byte UNKNOWN = 0;
  static final byte BUSY = 1;
  static final byte MAP = 2;
  static final byte TOP = 3;
  static final byte EMPTY = 4;
  static final byte INVALID = 5;

  private final ScanResult scan;
  private final byte[] kind;
  private final byte[] height;
  private final long[] count;
  private final int[] maxTime;
  private final long[] atMax;
  private final long[] minKey;
  private final long[] maxKey;
  private final BitSet referenced = new BitSet();

  Subtrees(ScanResult scan) {
    this.scan = scan;
    int n = scan.nrNodes();
    kind = new byte[n];
    height = new byte[n];
    count = new long[n];
    maxTime = new int[n];
    atMax = new long[n];
    minKey = new long[n];
    maxKey = new long[n];
    for (int i = 0; i < n; i++) {
      if (!scan.isLeaf(i)) {
        for (int c = 0; c < scan.nrEntries(i); c++) {
          long child = scan.auxValue(i, c);
          if (child >= 0 && child < scan.nrBlocks()) {
            referenced.set((int) child);
          }
        }
      }
    }
  }

  /** True if some valid internal node (of any tree) points at block {@code b}. */
  boolean referenced(long b) {
    return referenced.get((int) b);
  }

  /** True if the 8-byte leaf {@code n} looks like a top-level leaf. */
  boolean isTopLeaf(int n) {
    if (!scan.isLeaf(n) || scan.valueSize(n) != 8 || !scan.allSmall(n)) {
      return false;
    }
    if (scan.nrEntries(n) >= 2) {
      return true;
    }
    int target = scan.nodeAt(scan.auxValue(n, 0));
    return target >= 0 && scan.valueSize(target) == 8;
  }

  /** MAP, TOP, EMPTY or INVALID for the 8-byte node {@code n} as the root of a complete tree. */
  byte kind(int n) {
    byte k = kind[n];
    if (k == UNKNOWN) {
      compute(n, 0);
      k = kind[n];
    }
    return k == BUSY ? INVALID : k;
  }

  /** Mappings in the tree (MAP) or entries in the top-level tree (TOP). */
  long count(int n) {
    return kind(n) == INVALID ? 0 : count[n];
  }

  /** Newest mapping time in a MAP tree. */
  long maxTime(int n) {
    return kind(n) == MAP ? Integer.toUnsignedLong(maxTime[n]) : 0;
  }

  /** Lowest key in a MAP tree. */
  long minKey(int n) {
    return kind(n) == MAP ? minKey[n] : 0;
  }

  /** Highest key in a MAP tree. */
  long maxKey(int n) {
    return kind(n) == MAP ? maxKey[n] : 0;
  }

  /** Mappings with the newest time in a MAP tree. */
  long atMaxTime(int n) {
    return kind(n) == MAP ? atMax[n] : 0;
  }

  private void compute(int n, int depth) {
    if (scan.valueSize(n) != 8 || depth > 32) {
      kind[n] = INVALID;
      return;
    }
    if (scan.isLeaf(n)) {
      int nr = scan.nrEntries(n);
      if (nr == 0) {
        kind[n] = EMPTY;
      } else if (isTopLeaf(n)) {
        kind[n] = TOP;
        count[n] = nr;
      } else {
        kind[n] = MAP;
        count[n] = nr;
        minKey[n] = scan.firstKey(n);
        maxKey[n] = scan.lastKey(n);
        maxTime[n] = (int) scan.maxTime(n);
        atMax[n] = scan.atMaxTime(n);
      }
      height[n] = 0;
      return;
    }
    kind[n] = BUSY;
    int nr = scan.nrEntries(n);
    byte childKind = UNKNOWN;
    int childHeight = -1;
    long total = 0;
    long mt = 0;
    long am = 0;
    for (int c = 0; c < nr; c++) {
      int child = scan.nodeAt(scan.auxValue(n, c));
      if (child < 0) {
        kind[n] = INVALID;
        return;
      }
      if (kind[child] == UNKNOWN) {
        compute(child, depth + 1);
      }
      byte ck = kind[child];
      if (ck == BUSY || ck == INVALID || ck == EMPTY || (childKind != UNKNOWN && ck != childKind)) {
        kind[n] = INVALID;
        return;
      }
      if (childHeight >= 0 && height[child] != childHeight) {
        kind[n] = INVALID;
        return;
      }
      long lo = scan.auxKey(n, c);
      long hi = c + 1 < nr ? scan.auxKey(n, c + 1) - 1 : -1L;
      if (!new Span(lo, hi).contains(scan.firstKey(child), scan.lastKey(child))) {
        kind[n] = INVALID;
        return;
      }
      if (c == 0) {
        minKey[n] = minKey[child];
      }
      maxKey[n] = maxKey[child];
      childKind = ck;
      childHeight = height[child];
      total += count[child];
      long t = Integer.toUnsignedLong(maxTime[child]);
      if (t > mt) {
        mt = t;
        am = atMax[child];
      } else if (t == mt) {
        am += atMax[child];
      }
    }
    kind[n] = childKind;
    height[n] = (byte) (childHeight + 1);
    count[n] = total;
    maxTime[n] = (int) mt;
    atMax[n] = am;
  }
}
