package org.thinmeta.repair.check;

import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import org.thinmeta.pdata.io.MemoryBlockDevice;
import org.thinmeta.thin.format.DeviceDetails;
import org.thinmeta.thin.format.Superblock;

/**
 * Small pools built in code for the damage tests, with every kind of sharing the kernel produces.
 *
 * <ul>
 *   <li>dev 1: origin, 70,000 mappings (thin i to data i), a 3-level tree: root, 2 internal nodes
 *       ({@code left}, {@code right}), 278 leaves;
 *   <li>dev 2 and dev 8: fresh snapshots of dev 1 (same root: metadata count 3, in the overflow
 *       tree);
 *   <li>dev 3: a snapshot that diverged: its own root over the shared internal node {@code left}
 *       and its own copy {@code right3} of {@code right}, which shares all leaves but the last,
 *       replaced by {@code leaf3} mapping to data blocks from 70,000;
 *   <li>dev 4: 100 mappings in one leaf ({@code leaf4}), data 80,000..80,099;
 *   <li>dev 5: empty;
 *   <li>dev 6 and dev 7: one leaf each mapping thin 0..9 to data 0..9, so data 0..9 have count 3
 *       (in the data overflow tree).
 * </ul>
 *
 * With {@code snapshot}, a metadata snapshot holds devices 1 (same root) and 9 (a leaf only the
 * snapshot references, {@code leaf9}, data 90,000..90,049).
 */
final class Pools {
  static final long NR_DATA_BLOCKS = 100_000;
  static final long METADATA_BLOCKS = 1024;

  /** A built pool and where its interesting blocks are. */
  record Pool(
      MemoryBlockDevice dev,
      PoolBuilder builder,
      Superblock sb,
      long root1,
      long left,
      long right,
      long[] leaves1,
      long root3,
      long right3,
      long leaf3,
      long leaf4,
      long leaf6,
      long leaf9,
      long snapshot) {}

  private Pools() {}

  /** The pool without a metadata snapshot. */
  static Pool standard() {
    return build(false, 0);
  }

  /** The pool with a metadata snapshot. */
  static Pool withSnapshot() {
    return build(true, 0);
  }

  /** The pool with the given superblock flags. */
  static Pool withFlags(int flags) {
    return build(false, flags);
  }

  /** dev 1: a root over a leaf of 90 mappings and an underfull one of 10 ({@code leaf4}). */
  static Pool underfull() {
    MemoryBlockDevice dev = new MemoryBlockDevice(METADATA_BLOCKS);
    PoolBuilder b = new PoolBuilder(dev, NR_DATA_BLOCKS);
    long a = b.mappingLeaf(range(0, 90), range(0, 90), 0);
    long small = b.mappingLeaf(range(90, 10), range(90, 10), 0);
    long root = b.internal(new long[] {0, 90}, new long[] {a, small});
    return finishSmall(b, new long[] {root}, new long[] {100}, small);
  }

  /**
   * dev 1's root is a leaf of 50 mappings ({@code leaf4}) that dev 2's tree holds as a non-root
   * child, where it is underfull.
   */
  static Pool rootInsideAnotherTree() {
    MemoryBlockDevice dev = new MemoryBlockDevice(METADATA_BLOCKS);
    PoolBuilder b = new PoolBuilder(dev, NR_DATA_BLOCKS);
    long a = b.mappingLeaf(range(0, 100), range(0, 100), 0);
    long c = b.mappingLeaf(range(100, 100), range(100, 100), 0);
    long shared = b.mappingLeaf(range(300, 50), range(300, 50), 0);
    long root2 = b.internal(new long[] {0, 100, 300}, new long[] {a, c, shared});
    return finishSmall(b, new long[] {shared, root2}, new long[] {50, 250}, shared);
  }

  private static Pool finishSmall(PoolBuilder b, long[] roots, long[] mapped, long interesting) {
    SortedMap<Long, Long> top = new TreeMap<>();
    SortedMap<Long, DeviceDetails> details = new TreeMap<>();
    for (int i = 0; i < roots.length; i++) {
      top.put(i + 1L, roots[i]);
      details.put(i + 1L, new DeviceDetails(mapped[i], 0, 0, 0));
    }
    long d = b.detailsTree(details);
    long m = b.topLevelTree(top);
    Superblock sb = b.finish(d, m, 0, 1, 0, 0);
    return new Pool(
        (MemoryBlockDevice) b.device(),
        b,
        sb,
        roots[0],
        0,
        0,
        new long[0],
        0,
        0,
        0,
        interesting,
        0,
        0,
        0);
  }

  private static long[] range(long from, int n) {
    long[] r = new long[n];
    for (int i = 0; i < n; i++) {
      r[i] = from + i;
    }
    return r;
  }

  private static Pool build(boolean snapshot, int flags) {
    MemoryBlockDevice dev = new MemoryBlockDevice(METADATA_BLOCKS);
    PoolBuilder b = new PoolBuilder(dev, NR_DATA_BLOCKS);

    // dev 1: 278 leaves of about 252 mappings, two internal nodes, a root.
    int nLeaves = 278;
    long n = 70_000;
    List<long[]> leaves = new ArrayList<>();
    long done = 0;
    for (int l = 0; l < nLeaves; l++) {
      int size = (int) ((n - done) / (nLeaves - l));
      long[] t = new long[size];
      for (int i = 0; i < size; i++) {
        t[i] = done + i;
      }
      leaves.add(new long[] {t[0], b.mappingLeaf(t, t.clone(), 0)});
      done += size;
    }
    long[] leaves1 = leaves.stream().mapToLong(x -> x[1]).toArray();
    long left = internalOver(b, leaves.subList(0, 139));
    long right = internalOver(b, leaves.subList(139, 278));
    long root1 = b.internal(new long[] {0, leaves.get(139)[0]}, new long[] {left, right});

    // dev 3: own root, shares `left`, own copy of `right` with a new last leaf.
    long[] lastThin = new long[size(leaves, 277, n)];
    long[] lastData = new long[lastThin.length];
    for (int i = 0; i < lastThin.length; i++) {
      lastThin[i] = leaves.get(277)[0] + i;
      lastData[i] = 70_000 + i;
    }
    long leaf3 = b.mappingLeaf(lastThin, lastData, 1);
    List<long[]> right3Children = new ArrayList<>(leaves.subList(139, 277));
    right3Children.add(new long[] {lastThin[0], leaf3});
    long right3 = internalOver(b, right3Children);
    long root3 = b.internal(new long[] {0, leaves.get(139)[0]}, new long[] {left, right3});

    long[] t4 = new long[100];
    long[] d4 = new long[100];
    for (int i = 0; i < 100; i++) {
      t4[i] = 5000 + i;
      d4[i] = 80_000 + i;
    }
    long leaf4 = b.mappingLeaf(t4, d4, 1);
    long root5 = b.mappingLeaf(new long[0], new long[0], 1);
    long[] t6 = new long[10];
    for (int i = 0; i < 10; i++) {
      t6[i] = i;
    }
    long leaf6 = b.mappingLeaf(t6, t6.clone(), 1);
    long leaf7 = b.mappingLeaf(t6, t6.clone(), 1);

    SortedMap<Long, Long> roots = new TreeMap<>();
    roots.put(1L, root1);
    roots.put(2L, root1);
    roots.put(3L, root3);
    roots.put(4L, leaf4);
    roots.put(5L, root5);
    roots.put(6L, leaf6);
    roots.put(7L, leaf7);
    roots.put(8L, root1);
    SortedMap<Long, DeviceDetails> details = new TreeMap<>();
    details.put(1L, new DeviceDetails(70_000, 0, 0, 1));
    details.put(2L, new DeviceDetails(70_000, 1, 1, 1));
    details.put(3L, new DeviceDetails(70_000, 1, 1, 1));
    details.put(4L, new DeviceDetails(100, 1, 1, 1));
    details.put(5L, new DeviceDetails(0, 1, 1, 1));
    details.put(6L, new DeviceDetails(10, 1, 1, 1));
    details.put(7L, new DeviceDetails(10, 1, 1, 1));
    details.put(8L, new DeviceDetails(70_000, 2, 1, 1));

    long snap = 0;
    long leaf9 = 0;
    if (snapshot) {
      long[] t9 = new long[50];
      long[] d9 = new long[50];
      for (int i = 0; i < 50; i++) {
        t9[i] = i;
        d9[i] = 90_000 + i;
      }
      leaf9 = b.mappingLeaf(t9, d9, 0);
      SortedMap<Long, Long> oldRoots = new TreeMap<>();
      oldRoots.put(1L, root1);
      oldRoots.put(9L, leaf9);
      SortedMap<Long, DeviceDetails> oldDetails = new TreeMap<>();
      oldDetails.put(1L, new DeviceDetails(70_000, 0, 0, 0));
      oldDetails.put(9L, new DeviceDetails(50, 0, 0, 0));
      long oldDetailsRoot = b.detailsTree(oldDetails);
      long oldMappingRoot = b.topLevelTree(oldRoots);
      snap = b.metadataSnapshot(oldDetailsRoot, oldMappingRoot, 1, 0);
    }
    long detailsRoot = b.detailsTree(details);
    long mappingRoot = b.topLevelTree(roots);
    Superblock sb = b.finish(detailsRoot, mappingRoot, snap, 5, 2, flags);
    return new Pool(
        dev, b, sb, root1, left, right, leaves1, root3, right3, leaf3, leaf4, leaf6, leaf9, snap);
  }

  private static int size(List<long[]> leaves, int i, long n) {
    long end = i + 1 < leaves.size() ? leaves.get(i + 1)[0] : n;
    return (int) (end - leaves.get(i)[0]);
  }

  private static long internalOver(PoolBuilder b, List<long[]> children) {
    long[] keys = children.stream().mapToLong(x -> x[0]).toArray();
    long[] locs = children.stream().mapToLong(x -> x[1]).toArray();
    return b.internal(keys, locs);
  }
}
