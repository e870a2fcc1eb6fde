package org.thinmeta.repair.salvage;

import org.thinmeta.pdata.btree.BTreeWalker;

/**
 * Lenient walks of btrees over a {@link ScanResult}, without I/O: every valid leaf in range is
 * reported, and every node that cannot be used (unreadable, wrong kind, keys outside the range its
 * parents give it, a pointer loop) becomes a hole covering the keys it was responsible for.
 */
final class TreeWalk {
  /** Receives what a walk finds. */
  interface Sink {
    /** A usable leaf; {@code range} is what its parents allow (all its keys lie inside). */
    void leaf(int node, Span range);

    /** Keys that a damaged node covered. */
    void hole(Span keys, long block, String cause);

    /** A usable internal node (before its children). */
    default void internal(int node) {}
  }

  private final ScanResult scan;
  private final int[] stamps;
  private int stamp;

  TreeWalk(ScanResult scan) {
    this.scan = scan;
    this.stamps = new int[Math.toIntExact(scan.nrBlocks())];
  }

  /** Walks the tree at {@code root} whose leaves hold {@code leafVs}-byte values. */
  void walk(long root, int leafVs, Sink sink) {
    walk(root, leafVs, Span.ALL, sink);
  }

  /** Walks only the parts of the tree at {@code root} that may hold keys of {@code clip}. */
  void walk(long root, int leafVs, Span clip, Sink sink) {
    stamp++;
    node(root, leafVs, Span.ALL, clip, 0, sink);
  }

  /** Why block {@code b} is not a usable node, or null if it is one. */
  String unusable(long b) {
    if (b < 0 || b >= scan.nrBlocks()) {
      return "block " + Long.toUnsignedString(b) + " is beyond the metadata";
    }
    return switch (scan.kind(b)) {
      case ScanResult.NODE -> null;
      case ScanResult.ZERO -> "zeroed";
      case ScanResult.UNKNOWN -> "checksum error";
      case ScanResult.BAD_NODE -> "bad node header";
      case ScanResult.BITMAP -> "not a btree node (space-map bitmap)";
      case ScanResult.INDEX -> "not a btree node (space-map index)";
      case ScanResult.SUPERBLOCK -> "not a btree node (superblock)";
      default -> "not a usable btree node";
    };
  }

  private void node(long b, int leafVs, Span range, Span clip, int depth, Sink sink) {
    String why = unusable(b);
    if (why != null) {
      hole(range, clip, b, why, sink);
      return;
    }
    if (depth > BTreeWalker.MAX_DEPTH) {
      hole(range, clip, b, "btree too deep (pointer loop)", sink);
      return;
    }
    int i = (int) b;
    if (stamps[i] == stamp) {
      hole(range, clip, b, "reached twice in one tree (pointer loop)", sink);
      return;
    }
    stamps[i] = stamp;
    int n = scan.nodeAt(b);
    boolean leaf = scan.isLeaf(n);
    int vs = scan.valueSize(n);
    if (leaf && vs != leafVs) {
      hole(range, clip, b, "value size " + vs + ", expected " + leafVs, sink);
      return;
    }
    int nr = scan.nrEntries(n);
    if (nr > 0 && !range.contains(scan.firstKey(n), scan.lastKey(n))) {
      hole(range, clip, b, "keys outside the range given by the parent", sink);
      return;
    }
    if (leaf) {
      sink.leaf(n, range);
      return;
    }
    sink.internal(n);
    for (int c = 0; c < nr; c++) {
      long from = scan.auxKey(n, c);
      long to = c + 1 < nr ? scan.auxKey(n, c + 1) - 1 : range.hi();
      Span child = new Span(from, to);
      if (!child.intersects(clip)) {
        continue;
      }
      node(scan.auxValue(n, c), leafVs, child, clip, depth + 1, sink);
    }
  }

  private static void hole(Span range, Span clip, long b, String why, Sink sink) {
    Span s = range.intersect(clip);
    if (s != null) {
      sink.hole(s, b, why);
    }
  }
}
