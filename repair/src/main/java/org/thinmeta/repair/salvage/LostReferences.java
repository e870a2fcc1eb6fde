package org.thinmeta.repair.salvage;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Mapping-tree nodes that lost a parent: the on-disk metadata space map counts more references to
 * them than the surviving nodes make. Surviving means: a valid node whose own recorded count is not
 * zero (stale copies of freed nodes have count zero), or a top-level entry of the live or snapshot
 * trees. Such a node is current metadata that damage cut off, unlike a stale orphan.
 */
final class LostReferences {
  private final ScanResult scan;
  private final Subtrees subtrees;
  private final long[] missing;
  private final List<Integer> candidates = new ArrayList<>();

  /**
   * Computes the lost references.
   *
   * @param roots every top-level entry value (device roots) of the live and snapshot trees
   */
  LostReferences(
      ScanResult scan, Subtrees subtrees, MetadataCounts counts, Collection<Long> roots) {
    this.scan = scan;
    this.subtrees = subtrees;
    int n = scan.nrNodes();
    long[] count = new long[n];
    long[] seen = new long[n];
    for (int i = 0; i < n; i++) {
      count[i] = counts.count(scan.location(i));
    }
    for (int q = 0; q < n; q++) {
      if (scan.isLeaf(q) || count[q] < 1) {
        continue;
      }
      for (int c = 0; c < scan.nrEntries(q); c++) {
        int child = scan.nodeAt(scan.auxValue(q, c));
        if (child >= 0) {
          seen[child]++;
        }
      }
    }
    for (long r : roots) {
      int child = scan.nodeAt(r);
      if (child >= 0) {
        seen[child]++;
      }
    }
    missing = new long[n];
    for (int i = 0; i < n; i++) {
      if (count[i] > seen[i] && scan.valueSize(i) == 8 && subtrees.kind(i) == Subtrees.MAP) {
        missing[i] = count[i] - seen[i];
        candidates.add(i);
      }
    }
    candidates.sort((a, b) -> Long.compareUnsigned(subtrees.minKey(a), subtrees.minKey(b)));
  }

  /** References node {@code n} lost (0 if none or unknown). */
  long missing(int n) {
    return missing[n];
  }

  /** Takes one lost reference of {@code n} (the node is being given back to a device). */
  void take(int n) {
    missing[n]--;
  }

  /** Nodes with lost references whose keys all lie in {@code s}, by lowest key. */
  List<Integer> within(Span s) {
    List<Integer> out = new ArrayList<>();
    for (int n : candidates) {
      if (missing[n] > 0 && s.contains(subtrees.minKey(n), subtrees.maxKey(n))) {
        out.add(n);
      }
    }
    return out;
  }
}
