package org.thinmeta.repair.salvage;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.thinmeta.thin.format.DeviceDetails;

/**
 * Finds the newest top-level mapping tree and a device-details tree with the same device ids when
 * the superblock is gone: roots are valid nodes no valid internal node points at; top-level roots
 * are ranked by the newest mapping time in their subtrees, then mappings at that time, then all
 * mappings, then devices; details roots must list exactly the same devices and are ranked by
 * whether their mapped_blocks add up to the top-level tree's mappings, then transaction and time.
 */
final class RootFinder {
  private final ScanResult scan;
  private final Subtrees subtrees;
  private final LeafReader leaves;
  private final ScanResult.SuperblockCopy snap;
  private final TreeWalk walk;
  private final List<String> notes = new ArrayList<>();

  RootFinder(
      ScanResult scan, Subtrees subtrees, LeafReader leaves, ScanResult.SuperblockCopy snap) {
    this.scan = scan;
    this.subtrees = subtrees;
    this.leaves = leaves;
    this.snap = snap;
    this.walk = new TreeWalk(scan);
  }

  /** Findings worth reporting (ambiguities). */
  List<String> notes() {
    return notes;
  }

  private record Top(int node, long[] age, Set<Long> ids) {}

  private record Details(int node, boolean sumMatches, long tid, long time) {}

  /** Returns {top-level root, details root}, each -1 if none was found. */
  long[] find() throws IOException {
    List<Top> tops = new ArrayList<>();
    for (int n = 0; n < scan.nrNodes(); n++) {
      long loc = scan.location(n);
      if (scan.valueSize(n) == 8 && !subtrees.referenced(loc) && subtrees.kind(n) == Subtrees.TOP) {
        long[] age = new long[4];
        Set<Long> ids = new TreeSet<>();
        collectTop(n, age, ids);
        tops.add(new Top(n, age, ids));
      }
    }
    if (tops.isEmpty()) {
      return new long[] {-1, -1};
    }
    long snapTop = snap == null ? -1 : snap.superblock().mappingRoot();
    tops.sort(
        (x, y) -> {
          for (int i = 0; i < 4; i++) {
            int c = Long.compare(y.age[i], x.age[i]);
            if (c != 0) {
              return c;
            }
          }
          boolean xs = scan.location(x.node) == snapTop;
          boolean ys = scan.location(y.node) == snapTop;
          if (xs != ys) {
            return xs ? 1 : -1;
          }
          return Long.compare(scan.location(y.node), scan.location(x.node));
        });
    Top top = tops.get(0);
    for (Top other : tops.subList(1, tops.size())) {
      if (other.age[0] == top.age[0] && !other.ids.equals(top.ids)) {
        Set<Long> extra = new TreeSet<>(top.ids);
        extra.removeAll(other.ids);
        Set<Long> missing = new TreeSet<>(other.ids);
        missing.removeAll(top.ids);
        notes.add(
            "top-level tree at block "
                + scan.location(other.node)
                + " is as new by mapping time"
                + (extra.isEmpty() ? "" : " but lacks devices " + extra)
                + (missing.isEmpty()
                    ? ""
                    : (extra.isEmpty() ? " but" : " and") + " has devices " + missing)
                + "; the one with more mappings was chosen (devices deleted in the last"
                + " transactions cannot be told from lost ones without the superblock)");
      }
    }
    long total = top.age[2];
    Details best = null;
    for (int n = 0; n < scan.nrNodes(); n++) {
      long loc = scan.location(n);
      boolean detailsLeaf = scan.isLeaf(n) && scan.valueSize(n) == DeviceDetails.SIZE;
      if (subtrees.referenced(loc) || !(detailsLeaf || !scan.isLeaf(n))) {
        continue;
      }
      Details d = details(n, top.ids, total);
      if (d != null && (best == null || better(d, best))) {
        best = d;
      }
    }
    return new long[] {scan.location(top.node), best == null ? -1 : scan.location(best.node)};
  }

  private static boolean better(Details a, Details b) {
    if (a.sumMatches != b.sumMatches) {
      return a.sumMatches;
    }
    if (a.tid != b.tid) {
      return Long.compareUnsigned(a.tid, b.tid) > 0;
    }
    return a.time > b.time;
  }

  /** The details tree at {@code n} if it is complete and lists exactly {@code ids}, else null. */
  private Details details(int n, Set<Long> ids, long total) throws IOException {
    List<Integer> found = new ArrayList<>();
    boolean[] damaged = {false};
    walk.walk(
        scan.location(n),
        DeviceDetails.SIZE,
        new TreeWalk.Sink() {
          @Override
          public void leaf(int node, Span range) {
            found.add(node);
          }

          @Override
          public void hole(Span keys, long block, String cause) {
            damaged[0] = true;
          }
        });
    if (damaged[0] || found.isEmpty()) {
      return null;
    }
    Set<Long> seen = new TreeSet<>();
    long sum = 0;
    long tid = 0;
    long time = 0;
    for (int leaf : found) {
      LeafReader.DetailsEntries e = leaves.details(leaf);
      for (int i = 0; i < e.keys().length; i++) {
        seen.add(e.keys()[i]);
        DeviceDetails d = e.details()[i];
        sum += d.mappedBlocks();
        tid = Math.max(tid, d.transactionId());
        time = Math.max(time, Math.max(d.creationTime(), d.snapshottedTime()));
      }
    }
    if (!seen.equals(ids)) {
      return null;
    }
    return new Details(n, sum == total, tid, time);
  }

  /** Adds the device ids and the age (newest time, mappings at it, mappings, devices). */
  private void collectTop(int n, long[] age, Set<Long> ids) {
    if (!scan.isLeaf(n)) {
      for (int c = 0; c < scan.nrEntries(n); c++) {
        collectTop(scan.nodeAt(scan.auxValue(n, c)), age, ids);
      }
      return;
    }
    for (int i = 0; i < scan.nrEntries(n); i++) {
      ids.add(scan.auxKey(n, i));
      age[3]++;
      int r = scan.nodeAt(scan.auxValue(n, i));
      if (r < 0 || subtrees.kind(r) != Subtrees.MAP) {
        continue;
      }
      age[2] += subtrees.count(r);
      long t = subtrees.maxTime(r);
      if (t > age[0]) {
        age[0] = t;
        age[1] = subtrees.atMaxTime(r);
      } else if (t == age[0]) {
        age[1] += subtrees.atMaxTime(r);
      }
    }
  }
}
