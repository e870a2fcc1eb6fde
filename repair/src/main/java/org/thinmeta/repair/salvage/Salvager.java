package org.thinmeta.repair.salvage;

import java.io.IOException;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.thinmeta.pdata.Progress;
import org.thinmeta.pdata.damage.CorruptMetadataException;
import org.thinmeta.pdata.io.BlockDevice;
import org.thinmeta.thin.format.BlockTime;
import org.thinmeta.thin.format.DeviceDetails;
import org.thinmeta.thin.format.Superblock;

/**
 * Works out, from a damaged (or sound) metadata device, what a repaired pool should contain.
 *
 * <p>Evidence is used in this order, per device: the live trees named by the superblock, walked
 * leniently (every valid leaf kept; each unusable node leaves a hole covering the keys its parents
 * gave it); the metadata snapshot's trees, for holes of the same device (same id, transaction and
 * creation time) and for devices in holes of the top-level tree; then, only inside holes, orphaned
 * nodes found by the scan, newest first. A mapping from the snapshot or from orphans whose data
 * block is already held by a kept mapping is dropped (a pinned snapshot may share a block with a
 * live device at the same thin block, which is how thin snapshots share), so no device is given
 * another's data; so is one whose data block the on-disk data space map shows free (stale).
 */
public final class Salvager {
  /** Command-line overrides (null when not given). */
  public record Options(Long transactionId, Long dataBlockSize, Long nrDataBlocks) {
    /** No overrides. */
    public static final Options NONE = new Options(null, null, null);
  }

  /** A pinned metadata snapshot: its blocks cannot have been reused while it was held. */
  private static final int TRUST_PINNED = 2;

  /** Anything else: may only share a block with the same mapping in a related device. */
  private static final int TRUST_FAMILY = 3;

  private static final long MAX_DATA_BLOCKS = 1L << 40;

  private final BlockDevice dev;
  private final Options options;
  private final ScanResult scan;
  private final Subtrees subtrees;
  private final TreeWalk walk;
  private final LeafReader leaves;
  private final SalvageReport report = new SalvageReport();
  private final BitSet reachable = new BitSet();
  private final BitSet liveReachable = new BitSet();
  private final SortedMap<Long, DeviceSalvage> devices = new TreeMap<>(Long::compareUnsigned);

  private Superblock sb0;
  private ScanResult.SuperblockCopy snap;
  private boolean snapPinned;
  private DeviceTree liveTop;
  private DeviceTree liveDetails;
  private DeviceTree snapTop;
  private DeviceTree snapDetails;
  private long dataBound = -1;

  private DataBlockSet liveHeld;
  private DataAllocation allocation;
  private final DataBlockSet nonLiveHeld = new DataBlockSet();
  private LostReferences lost;
  private boolean lostRead;
  private Map<Integer, List<DeviceSalvage>> families;

  private int[] orphanLeavesByKey;

  /** First device (index + 1) whose kept tree reached each block; 0 for none. */
  private int[] nodeOwner;

  private final Map<Long, Integer> deviceIndex = new HashMap<>();
  private final List<Integer> familyParent = new ArrayList<>();

  /** The result of walking a top-level or details tree. */
  private static final class DeviceTree {
    final SortedMap<Long, Long> roots = new TreeMap<>(Long::compareUnsigned);
    final SortedMap<Long, DeviceDetails> details = new TreeMap<>(Long::compareUnsigned);
    final SpanSet holeSet = new SpanSet();
    final List<Hole> holes = new ArrayList<>();
    boolean rootUsable;
  }

  private Salvager(BlockDevice dev, Options options, ScanResult scan) {
    this.dev = dev;
    this.options = options;
    this.scan = scan;
    this.subtrees = new Subtrees(scan);
    this.walk = new TreeWalk(scan);
    this.leaves = new LeafReader(dev, scan);
    this.nodeOwner = new int[Math.toIntExact(scan.nrBlocks())];
  }

  /**
   * Scans {@code dev} and works out the repaired pool.
   *
   * @throws CorruptMetadataException {@code no compatible roots found} when nothing can be
   *     salvaged, or {@code data block size needs to be provided due to corruption in the
   *     superblock}
   */
  public static SalvagePlan salvage(BlockDevice dev, Options options) throws IOException {
    return salvage(dev, options, Progress.NONE);
  }

  /** As {@link #salvage(BlockDevice, Options)}, reporting the scan's progress. */
  public static SalvagePlan salvage(BlockDevice dev, Options options, Progress progress)
      throws IOException {
    ScanResult scan = BlockScanner.scan(dev, progress);
    return new Salvager(dev, options, scan).run();
  }

  private SalvagePlan run() throws IOException {
    chooseSuperblocks();
    walkDeviceTrees();
    walkLiveMappingTrees();
    markSnapshotTrees();
    orphanLeavesByKey = orphanMappingLeaves();
    fillDetailsHoles();
    fillTopLevelHoles();
    decideDevices();
    admitEverything();
    return finish();
  }

  // ---------------------------------------------------------------- superblocks and roots

  private void chooseSuperblocks() {
    if (scan.kind(0) == ScanResult.SUPERBLOCK) {
      sb0 = scan.superblocks().get(0).superblock();
      long ms = sb0.metadataSnap();
      if (ms != 0) {
        if (ms > 0 && scan.kind(ms) == ScanResult.SUPERBLOCK) {
          for (ScanResult.SuperblockCopy c : scan.superblocks()) {
            if (c.location() == ms) {
              snap = c;
            }
          }
          snapPinned = true;
        } else {
          report.note(
              "metadata snapshot at block "
                  + Long.toUnsignedString(ms)
                  + " is unreadable ("
                  + describeBlock(ms)
                  + "); not used");
        }
      }
      if (sb0.needsCheck()) {
        report.note("NEEDS_CHECK flag was set; cleared");
      }
      return;
    }
    report.superblockRebuilt(
        "superblock at block 0 is unusable (" + describeBlock(0) + "); rebuilding it");
    for (ScanResult.SuperblockCopy c : scan.superblocks()) {
      if (c.location() == 0 || c.superblock().metadataSnap() != 0) {
        continue;
      }
      if (snap == null || newer(c.superblock(), snap.superblock())) {
        snap = c;
      }
    }
    if (snap != null) {
      report.note(
          "using the metadata snapshot superblock found at block "
              + snap.location()
              + " (transaction "
              + Long.toUnsignedString(snap.superblock().transactionId())
              + ")");
    }
  }

  private static boolean newer(Superblock a, Superblock b) {
    if (a.transactionId() != b.transactionId()) {
      return Long.compareUnsigned(a.transactionId(), b.transactionId()) > 0;
    }
    return a.time() > b.time();
  }

  private String describeBlock(long b) {
    if (b < 0 || b >= scan.nrBlocks()) {
      return "beyond the metadata";
    }
    return switch (scan.kind(b)) {
      case ScanResult.ZERO -> "zeroed";
      case ScanResult.UNKNOWN -> "bad checksum";
      case ScanResult.SUPERBLOCK -> "a superblock";
      case ScanResult.NODE, ScanResult.BAD_NODE -> "a btree node, not a superblock";
      case ScanResult.BITMAP -> "a space-map bitmap, not a superblock";
      case ScanResult.INDEX -> "a space-map index, not a superblock";
      default -> "not a thin superblock";
    };
  }

  private void walkDeviceTrees() throws IOException {
    long topRoot;
    long detailsRoot;
    if (sb0 != null) {
      topRoot = sb0.mappingRoot();
      detailsRoot = sb0.detailsRoot();
    } else {
      RootFinder finder = new RootFinder(scan, subtrees, leaves, snap);
      long[] found = finder.find();
      topRoot = found[0];
      detailsRoot = found[1];
      if (topRoot >= 0) {
        report.note("newest top-level mapping tree found at block " + topRoot);
      }
      finder.notes().forEach(report::note);
      if (detailsRoot >= 0) {
        report.note("matching device-details tree found at block " + detailsRoot);
      } else if (topRoot >= 0) {
        report.note("no device-details tree matches it");
      }
    }
    liveTop = readTree(topRoot, 8, liveReachable);
    liveDetails = readTree(detailsRoot, DeviceDetails.SIZE, liveReachable);
    for (Hole h : liveTop.holes) {
      report.note("top-level mapping tree damaged: device ids " + h);
    }
    for (Hole h : liveDetails.holes) {
      report.note("device-details tree damaged: device ids " + h);
    }
    if (snap != null) {
      snapTop = readTree(snap.superblock().mappingRoot(), 8, null);
      snapDetails = readTree(snap.superblock().detailsRoot(), DeviceDetails.SIZE, null);
    }
  }

  /** Walks a top-level (leafVs 8) or details (leafVs 24) tree rooted at {@code root} (-1: none). */
  private DeviceTree readTree(long root, int leafVs, BitSet alsoMark) throws IOException {
    DeviceTree t = new DeviceTree();
    if (root < 0) {
      t.holes.add(new Hole(Span.ALL, -1, "no root found"));
      t.holeSet.add(Span.ALL);
      return t;
    }
    t.rootUsable = walk.unusable(root) == null;
    List<Integer> found = new ArrayList<>();
    walk.walk(
        root,
        leafVs,
        new TreeWalk.Sink() {
          @Override
          public void leaf(int node, Span range) {
            found.add(node);
            mark(node, alsoMark);
          }

          @Override
          public void hole(Span keys, long block, String cause) {
            t.holes.add(new Hole(keys, block, cause));
            t.holeSet.add(keys);
          }

          @Override
          public void internal(int node) {
            mark(node, alsoMark);
          }
        });
    if (t.holes.size() == 1 && t.holes.get(0).block() == root) {
      t.rootUsable = false;
    }
    for (int n : found) {
      if (leafVs == 8) {
        LeafReader.Entries e = leaves.read(n);
        for (int i = 0; i < e.size(); i++) {
          t.roots.put(e.keys()[i], e.values()[i]);
        }
      } else {
        LeafReader.DetailsEntries e = leaves.details(n);
        for (int i = 0; i < e.keys().length; i++) {
          t.details.put(e.keys()[i], e.details()[i]);
        }
      }
    }
    return t;
  }

  private void mark(int node, BitSet alsoMark) {
    int loc = (int) scan.location(node);
    reachable.set(loc);
    if (alsoMark != null) {
      alsoMark.set(loc);
    }
  }

  private DeviceSalvage device(long id) {
    return devices.computeIfAbsent(id, DeviceSalvage::new);
  }

  // ---------------------------------------------------------------- mapping trees

  private void walkLiveMappingTrees() {
    for (Map.Entry<Long, Long> e : liveTop.roots.entrySet()) {
      DeviceSalvage d = device(e.getKey());
      d.rootSource = Source.LIVE;
      d.root = e.getValue();
      walkMappingTree(d, liveReachable);
    }
    for (Map.Entry<Long, DeviceDetails> e : liveDetails.details.entrySet()) {
      DeviceSalvage d = device(e.getKey());
      d.details = e.getValue();
      d.detailsSource = Source.LIVE;
    }
  }

  /**
   * Walks a device's whole mapping tree, recording its leaves and holes, marking its nodes, and
   * relating it to every device whose kept tree shares a node with it (snapshots of each other).
   */
  private void walkMappingTree(DeviceSalvage d, BitSet alsoMark) {
    int me = familyIndex(d.id);
    walk.walk(
        d.root,
        8,
        new TreeWalk.Sink() {
          @Override
          public void leaf(int node, Span range) {
            d.liveLeaves.add(node);
            mark(node, alsoMark);
            own(node, me);
            if (scan.isUnsorted(node)) {
              d.sortedLeaves++;
            }
          }

          @Override
          public void hole(Span keys, long block, String cause) {
            d.holes.add(new DeviceSalvage.MappingHole(new Hole(keys, block, cause)));
            // Devices that reach the same damaged node shared it.
            if (block >= 0 && block < scan.nrBlocks()) {
              ownBlock((int) block, me);
            }
          }

          @Override
          public void internal(int node) {
            mark(node, alsoMark);
            own(node, me);
          }
        });
  }

  private void own(int node, int me) {
    ownBlock((int) scan.location(node), me);
  }

  private void ownBlock(int loc, int me) {
    int o = nodeOwner[loc];
    if (o == 0) {
      nodeOwner[loc] = me + 1;
    } else {
      union(o - 1, me);
    }
  }

  private int familyIndex(long id) {
    return deviceIndex.computeIfAbsent(
        id,
        k -> {
          familyParent.add(familyParent.size());
          return familyParent.size() - 1;
        });
  }

  private int find(int x) {
    while (familyParent.get(x) != x) {
      familyParent.set(x, familyParent.get(familyParent.get(x)));
      x = familyParent.get(x);
    }
    return x;
  }

  private void union(int a, int b) {
    int ra = find(a);
    int rb = find(b);
    if (ra != rb) {
      familyParent.set(ra, rb);
    }
  }

  /** True if the two devices' kept trees are connected by shared nodes. */
  private boolean related(long a, long b) {
    if (a == b) {
      return true;
    }
    Integer x = deviceIndex.get(a);
    Integer y = deviceIndex.get(b);
    return x != null && y != null && find(x) == find(y);
  }

  private void markSnapshotTrees() {
    if (snapTop == null) {
      return;
    }
    for (long root : snapTop.roots.values()) {
      walk.walk(
          root,
          8,
          new TreeWalk.Sink() {
            @Override
            public void leaf(int node, Span range) {
              mark(node, null);
            }

            @Override
            public void hole(Span keys, long block, String cause) {}

            @Override
            public void internal(int node) {
              mark(node, null);
            }
          });
    }
  }

  /** Orphaned mapping leaves (unreachable, not top-level-like, not empty), by first key. */
  private int[] orphanMappingLeaves() {
    IntList l = new IntList();
    for (int n = 0; n < scan.nrNodes(); n++) {
      if (scan.isLeaf(n)
          && scan.valueSize(n) == 8
          && scan.nrEntries(n) > 0
          && !reachable.get((int) scan.location(n))
          && !subtrees.isTopLeaf(n)) {
        l.add(n);
      }
    }
    Integer[] a = new Integer[l.size()];
    for (int i = 0; i < a.length; i++) {
      a[i] = l.get(i);
    }
    java.util.Arrays.sort(a, (x, y) -> Long.compareUnsigned(scan.firstKey(x), scan.firstKey(y)));
    int[] out = new int[a.length];
    for (int i = 0; i < a.length; i++) {
      out[i] = a[i];
    }
    return out;
  }

  // ---------------------------------------------------------------- device-level holes

  private void fillDetailsHoles() throws IOException {
    SpanSet holes = liveDetails.holeSet;
    if (holes.isEmpty()) {
      return;
    }
    if (snapDetails != null) {
      for (Map.Entry<Long, DeviceDetails> e : snapDetails.details.entrySet()) {
        if (holes.contains(e.getKey())) {
          DeviceSalvage d = device(e.getKey());
          if (d.detailsSource == Source.NONE) {
            d.details = e.getValue();
            d.detailsSource = Source.SNAPSHOT;
          }
        }
      }
    }
    List<int[]> cands = new ArrayList<>();
    List<LeafReader.DetailsEntries> entries = new ArrayList<>();
    for (int n = 0; n < scan.nrNodes(); n++) {
      if (scan.isLeaf(n)
          && scan.valueSize(n) == DeviceDetails.SIZE
          && scan.nrEntries(n) > 0
          && !reachable.get((int) scan.location(n))
          && holes.containsAll(scan.firstKey(n), scan.lastKey(n))) {
        cands.add(new int[] {n, entries.size()});
        entries.add(leaves.details(n));
      }
    }
    cands.sort(
        Comparator.<int[], DetailsAge>comparing(c -> DetailsAge.of(entries.get(c[1])))
            .reversed()
            .thenComparing(c -> -scan.location(c[0])));
    SpanSet claimed = new SpanSet();
    for (int[] c : cands) {
      int n = c[0];
      Span s = new Span(scan.firstKey(n), scan.lastKey(n));
      if (claimed.intersects(s)) {
        continue;
      }
      claimed.add(s);
      LeafReader.DetailsEntries e = entries.get(c[1]);
      for (int i = 0; i < e.keys().length; i++) {
        DeviceSalvage d = device(e.keys()[i]);
        if (d.detailsSource == Source.NONE) {
          d.details = e.details()[i];
          d.detailsSource = Source.ORPHAN;
        }
      }
    }
  }

  /** Recency of a details leaf: newest transaction, then newest time, then most mappings. */
  private record DetailsAge(long tid, long time, long mapped) implements Comparable<DetailsAge> {
    static DetailsAge of(LeafReader.DetailsEntries e) {
      long tid = 0;
      long time = 0;
      long mapped = 0;
      for (DeviceDetails d : e.details()) {
        tid = Math.max(tid, d.transactionId());
        time = Math.max(time, Math.max(d.creationTime(), d.snapshottedTime()));
        mapped += d.mappedBlocks();
      }
      return new DetailsAge(tid, time, mapped);
    }

    @Override
    public int compareTo(DetailsAge o) {
      int c = Long.compareUnsigned(tid, o.tid);
      if (c == 0) {
        c = Long.compare(time, o.time);
      }
      return c != 0 ? c : Long.compareUnsigned(mapped, o.mapped);
    }
  }

  private boolean sameDevice(DeviceDetails a, DeviceDetails b) {
    return a != null
        && b != null
        && a.transactionId() == b.transactionId()
        && a.creationTime() == b.creationTime();
  }

  private void fillTopLevelHoles() throws IOException {
    SpanSet holes = liveTop.holeSet;
    if (holes.isEmpty()) {
      return;
    }
    if (snapTop != null) {
      for (Map.Entry<Long, Long> e : snapTop.roots.entrySet()) {
        long id = e.getKey();
        if (!holes.contains(id)) {
          continue;
        }
        DeviceSalvage d = device(id);
        if (d.rootSource != Source.NONE) {
          continue;
        }
        DeviceDetails snapD = snapDetails.details.get(id);
        if (d.detailsSource == Source.NONE
            || d.detailsSource == Source.SNAPSHOT
            || sameDevice(d.details, snapD)) {
          d.rootSource = Source.SNAPSHOT;
          d.root = e.getValue();
          if (d.detailsSource == Source.NONE && snapD != null) {
            d.details = snapD;
            d.detailsSource = Source.SNAPSHOT;
          }
        } else {
          d.notes.add(
              "the metadata snapshot's device "
                  + Long.toUnsignedString(id)
                  + " is a different device (transaction or creation time differ); not used");
        }
      }
    }
    List<Integer> cands = new ArrayList<>();
    for (int n = 0; n < scan.nrNodes(); n++) {
      if (subtrees.isTopLeaf(n)
          && !reachable.get((int) scan.location(n))
          && holes.containsAll(scan.firstKey(n), scan.lastKey(n))) {
        cands.add(n);
      }
    }
    Map<Integer, long[]> age = new HashMap<>();
    for (int n : cands) {
      age.put(n, topAge(n));
    }
    cands.sort(
        (x, y) -> {
          long[] a = age.get(x);
          long[] b = age.get(y);
          for (int i = 0; i < a.length; i++) {
            int c = Long.compare(b[i], a[i]);
            if (c != 0) {
              return c;
            }
          }
          return Long.compare(scan.location(y), scan.location(x));
        });
    SpanSet claimed = new SpanSet();
    for (int n : cands) {
      Span s = new Span(scan.firstKey(n), scan.lastKey(n));
      if (claimed.intersects(s)) {
        continue;
      }
      claimed.add(s);
      for (int i = 0; i < scan.nrEntries(n); i++) {
        DeviceSalvage d = device(scan.auxKey(n, i));
        if (d.rootSource == Source.NONE) {
          d.rootSource = Source.ORPHAN;
          d.root = scan.auxValue(n, i);
        }
      }
    }
  }

  /** Recency of a top-level leaf: newest mapping time, mappings at it, mappings, devices. */
  private long[] topAge(int n) {
    long mt = 0;
    long am = 0;
    long total = 0;
    for (int i = 0; i < scan.nrEntries(n); i++) {
      int r = scan.nodeAt(scan.auxValue(n, i));
      if (r < 0 || subtrees.kind(r) != Subtrees.MAP) {
        continue;
      }
      total += subtrees.count(r);
      long t = subtrees.maxTime(r);
      if (t > mt) {
        mt = t;
        am = subtrees.atMaxTime(r);
      } else if (t == mt) {
        am += subtrees.atMaxTime(r);
      }
    }
    return new long[] {mt, am, total, scan.nrEntries(n)};
  }

  // ---------------------------------------------------------------- which devices exist

  private void decideDevices() {
    SpanSet topHoles = liveTop.holeSet;
    SpanSet detHoles = liveDetails.holeSet;
    Map<Long, List<Integer>> orphanRoots = null;
    for (DeviceSalvage d : devices.values()) {
      long id = d.id;
      if (d.rootSource == Source.LIVE || d.detailsSource == Source.LIVE) {
        d.included = true;
      } else if (d.rootSource != Source.NONE) {
        d.included = detHoles.contains(id);
        if (!d.included) {
          report.note(
              "device "
                  + Long.toUnsignedString(id)
                  + " appears in old top-level nodes but not in the intact device-details tree;"
                  + " not recovered");
        }
      } else {
        d.included = topHoles.contains(id);
      }
      if (d.included && d.detailsSource == Source.NONE) {
        d.detailsSource = Source.REBUILT;
      }
    }
    // Trees named by the snapshot or old top-level nodes first, so that they are not taken for
    // the lost tree of another device.
    for (DeviceSalvage d : devices.values()) {
      if (d.included && d.rootSource != Source.LIVE && d.rootSource != Source.NONE) {
        walkMappingTree(d, null);
      }
    }
    for (DeviceSalvage d : devices.values()) {
      if (d.included && d.rootSource == Source.NONE) {
        if (orphanRoots == null) {
          orphanRoots = orphanRoots();
        }
        findRootByEvidence(d, orphanRoots);
        if (d.rootSource == Source.MATCHED) {
          walkMappingTree(d, null);
        }
      }
    }
  }

  /** Unreferenced, unreachable complete mapping trees, by mapping count. */
  private Map<Long, List<Integer>> orphanRoots() {
    Map<Long, List<Integer>> m = new HashMap<>();
    for (int n = 0; n < scan.nrNodes(); n++) {
      long loc = scan.location(n);
      if (scan.valueSize(n) != 8 || subtrees.referenced(loc) || reachable.get((int) loc)) {
        continue;
      }
      if (subtrees.kind(n) == Subtrees.MAP) {
        m.computeIfAbsent(subtrees.count(n), k -> new ArrayList<>()).add(n);
      }
    }
    return m;
  }

  private void findRootByEvidence(DeviceSalvage d, Map<Long, List<Integer>> orphanRoots) {
    String id = Long.toUnsignedString(d.id);
    if (d.details == null) {
      d.notes.add("mapping tree not found");
      return;
    }
    long want = d.details.mappedBlocks();
    if (want == 0) {
      d.notes.add("mapping tree entry lost; the device's details say it had no mappings");
      return;
    }
    List<Integer> cands = new ArrayList<>();
    for (int n : orphanRoots.getOrDefault(want, List.of())) {
      if (!reachable.get((int) scan.location(n))) {
        cands.add(n);
      }
    }
    LostReferences lostRefs = lostReferences();
    if (cands.size() > 1 && lostRefs != null) {
      // Stale trees have a zero count; the lost root still has its reference recorded.
      cands.removeIf(n -> lostRefs.missing(n) < 1);
    }
    if (cands.size() == 1) {
      if (lostRefs != null && lostRefs.missing(cands.get(0)) > 0) {
        lostRefs.take(cands.get(0));
      }
      d.rootSource = Source.MATCHED;
      d.root = scan.location(cands.get(0));
      d.notes.add(
          "mapping tree entry lost; the only unreferenced subtree with its "
              + want
              + " mappings is at block "
              + d.root
              + ", used");
      return;
    }
    if (cands.isEmpty()) {
      d.notes.add(
          "mapping tree not found (no unreferenced subtree holds its " + want + " mappings)");
    } else {
      StringBuilder sb = new StringBuilder();
      for (int i = 0; i < cands.size() && i < 8; i++) {
        sb.append(i == 0 ? "" : ", ").append(scan.location(cands.get(i)));
      }
      if (cands.size() > 8) {
        sb.append(", ...");
      }
      d.notes.add(
          "mapping tree not found: "
              + cands.size()
              + " unreferenced subtrees hold "
              + want
              + " mappings (blocks "
              + sb
              + "); not guessing");
    }
    report.lost("device " + id + ": all " + want + " mappings");
  }

  // ---------------------------------------------------------------- mappings

  private void admitEverything() throws IOException {
    if (sb0 != null) {
      long nr = sb0.dataSmRoot().nrBlocks();
      if (nr > 0 && nr <= MAX_DATA_BLOCKS) {
        dataBound = Math.max(nr, options.nrDataBlocks() == null ? 0 : options.nrDataBlocks());
      }
    }
    boolean needHeld = false;
    for (DeviceSalvage d : devices.values()) {
      if (d.included && (d.rootSource != Source.LIVE || !d.holes.isEmpty())) {
        needHeld = true;
      }
    }
    if (needHeld) {
      liveHeld = new DataBlockSet();
      if (sb0 != null) {
        allocation = DataAllocation.read(dev, sb0, scan.nrBlocks());
        if (allocation == null) {
          report.note("data space map unreadable: stale mappings cannot be told by free blocks");
        }
      }
    }
    // Live mappings: counted (and their data blocks held) without being kept in memory.
    for (DeviceSalvage d : devices.values()) {
      if (!d.included || d.rootSource != Source.LIVE) {
        continue;
      }
      for (int i = 0; i < d.liveLeaves.size(); i++) {
        int n = d.liveLeaves.get(i);
        boolean beyond = dataBound >= 0 && scan.maxData(n) >= dataBound;
        if (!needHeld && !beyond) {
          d.liveCount += scan.nrEntries(n);
          continue;
        }
        LeafReader.Entries e = leaves.read(n);
        for (int j = 0; j < e.size(); j++) {
          long data = BlockTime.dataBlock(e.values()[j]);
          if (dataBound >= 0 && data >= dataBound) {
            d.droppedBeyondEnd++;
            continue;
          }
          d.liveCount++;
          if (liveHeld != null) {
            liveHeld.add(data);
          }
        }
      }
    }
    if (!needHeld) {
      return;
    }
    computeFamilies();
    // The metadata snapshot, for holes of the same live device.
    for (DeviceSalvage d : devices.values()) {
      if (d.included && d.rootSource == Source.LIVE && !d.holes.isEmpty()) {
        fillFromSnapshot(d);
      }
    }
    // Devices whose whole tree is non-live evidence, most trusted first.
    for (Source s : new Source[] {Source.SNAPSHOT, Source.MATCHED, Source.ORPHAN}) {
      for (DeviceSalvage d : devices.values()) {
        if (d.included && d.rootSource == s) {
          admitBase(d);
        }
      }
    }
    // Subtrees that damage cut off from their parents, as the metadata space map shows.
    if (lostReferences() != null) {
      fillFromLostReferences();
    }
    // Orphaned leaves, only inside what is still a hole.
    for (DeviceSalvage d : devices.values()) {
      if (d.included) {
        for (DeviceSalvage.MappingHole h : d.holes) {
          fillFromOrphans(d, h);
        }
      }
    }
  }

  private void fillFromSnapshot(DeviceSalvage d) throws IOException {
    if (snapTop == null) {
      return;
    }
    Long snapRoot = snapTop.roots.get(d.id);
    DeviceDetails snapD = snapDetails.details.get(d.id);
    if (snapRoot == null) {
      return;
    }
    if (d.detailsSource == Source.SNAPSHOT
        || d.detailsSource == Source.REBUILT
        || !sameDevice(d.details, snapD)) {
      d.notes.add(
          "not refilled from the metadata snapshot: its device "
              + Long.toUnsignedString(d.id)
              + " cannot be shown to be the same device");
      return;
    }
    int trust = snapPinned ? TRUST_PINNED : TRUST_FAMILY;
    for (DeviceSalvage.MappingHole h : d.holes) {
      h.markSnapshotTried();
      Span clip = h.hole().keys();
      List<int[]> found = new ArrayList<>();
      SpanSet snapHoles = new SpanSet();
      walk.walk(
          snapRoot,
          8,
          clip,
          new TreeWalk.Sink() {
            @Override
            public void leaf(int node, Span range) {
              found.add(new int[] {node});
            }

            @Override
            public void hole(Span keys, long block, String cause) {
              snapHoles.add(keys);
            }
          });
      for (int[] f : found) {
        LeafReader.Entries e = leaves.read(f[0]);
        long kept = 0;
        for (int j = 0; j < e.size(); j++) {
          long k = e.keys()[j];
          if (clip.contains(k) && admit(d, k, e.values()[j], trust, f[0], true)) {
            kept++;
          }
        }
        h.addSnapshot(kept);
      }
      // What the snapshot's valid leaves covered is no longer a hole.
      SpanSet remaining = h.remaining();
      remaining.remove(clip);
      for (Span s : snapHoles.spans()) {
        remaining.add(s);
      }
    }
  }

  private void admitBase(DeviceSalvage d) throws IOException {
    int trust = d.rootSource == Source.SNAPSHOT && snapPinned ? TRUST_PINNED : TRUST_FAMILY;
    for (int i = 0; i < d.liveLeaves.size(); i++) {
      int n = d.liveLeaves.get(i);
      LeafReader.Entries e = leaves.read(n);
      for (int j = 0; j < e.size(); j++) {
        if (admit(d, e.keys()[j], e.values()[j], trust, n, false)) {
          d.fromBase++;
        }
      }
    }
  }

  /**
   * Refills what is left of a hole from orphaned leaves whose keys lie entirely inside it: per thin
   * block, the newest leaf (by newest time, then mappings at it, then size) whose mapping passes
   * {@link #admit} wins.
   */
  private void fillFromOrphans(DeviceSalvage d, DeviceSalvage.MappingHole h) throws IOException {
    List<Span> pieces = new ArrayList<>(h.remaining().spans());
    for (Span piece : pieces) {
      List<Integer> cands = new ArrayList<>();
      for (int i = lowerBound(piece.lo()); i < orphanLeavesByKey.length; i++) {
        int n = orphanLeavesByKey[i];
        if (!piece.contains(scan.firstKey(n))) {
          break;
        }
        if (piece.contains(scan.lastKey(n)) && !reachable.get((int) scan.location(n))) {
          cands.add(n);
        }
      }
      cands.sort(
          (x, y) -> {
            int c = Long.compare(scan.maxTime(y), scan.maxTime(x));
            if (c == 0) {
              c = Integer.compare(scan.atMaxTime(y), scan.atMaxTime(x));
            }
            if (c == 0) {
              c = Integer.compare(scan.nrEntries(y), scan.nrEntries(x));
            }
            return c != 0 ? c : Long.compare(scan.location(y), scan.location(x));
          });
      java.util.Set<Long> filled = new java.util.HashSet<>();
      SpanSet covered = new SpanSet();
      for (int n : cands) {
        LeafReader.Entries e = leaves.read(n);
        long kept = 0;
        for (int j = 0; j < e.size(); j++) {
          long k = e.keys()[j];
          if (!filled.contains(k) && admit(d, k, e.values()[j], TRUST_FAMILY, n, true)) {
            filled.add(k);
            kept++;
          }
        }
        if (kept > 0) {
          h.addOrphans(kept);
          covered.add(new Span(scan.firstKey(n), scan.lastKey(n)));
        }
      }
      for (Span s : covered.spans()) {
        h.remaining().remove(s);
      }
    }
  }

  /** A cut-off node that fits a hole piece of a device. */
  private record Claim(
      DeviceSalvage device, DeviceSalvage.MappingHole hole, Span piece, int node) {}

  /**
   * Gives nodes that lost a parent ({@link LostReferences}) back to the holes they fit: their
   * recorded reference count says some tree still points at them, the surviving trees do not, so
   * they are current metadata that damage cut off (stale copies have a zero count). A node goes to
   * the devices with a hole where all its keys fit, if there are no more of them than lost
   * references; otherwise only to those related to the node's other users, if that resolves it. Two
   * such nodes with overlapping keys in one hole are ambiguous and left alone. A device that gets a
   * node shared with others is related to them from then on (it was their snapshot).
   */
  private void fillFromLostReferences() throws IOException {
    Map<Integer, List<Claim>> byNode = new java.util.LinkedHashMap<>();
    for (DeviceSalvage d : devices.values()) {
      if (!d.included) {
        continue;
      }
      for (DeviceSalvage.MappingHole h : d.holes) {
        for (Span piece : h.remaining().spans()) {
          List<Integer> cands = lost.within(piece);
          for (int i = 0; i < cands.size(); i++) {
            int n = cands.get(i);
            Span s = new Span(subtrees.minKey(n), subtrees.maxKey(n));
            boolean clash = false;
            for (int j = 0; j < cands.size() && !clash; j++) {
              int m = cands.get(j);
              clash = j != i && s.intersects(new Span(subtrees.minKey(m), subtrees.maxKey(m)));
            }
            if (clash) {
              d.notes.add(
                  "thin blocks "
                      + s
                      + ": several cut-off subtrees fit there (block "
                      + scan.location(n)
                      + " among them); not guessing");
            } else {
              byNode.computeIfAbsent(n, k -> new ArrayList<>()).add(new Claim(d, h, piece, n));
            }
          }
        }
      }
    }
    List<Claim> granted = new ArrayList<>();
    for (Map.Entry<Integer, List<Claim>> e : byNode.entrySet()) {
      int n = e.getKey();
      List<Claim> claims = e.getValue();
      if (claims.size() > lost.missing(n)) {
        int owner = nodeOwner[(int) scan.location(n)];
        if (owner != 0) {
          int family = find(owner - 1);
          claims = new ArrayList<>(claims);
          claims.removeIf(c -> familyRoot(c.device().id) != family);
        }
      }
      if (claims.isEmpty() || claims.size() > lost.missing(n)) {
        for (Claim c : e.getValue()) {
          c.device()
              .notes
              .add(
                  "thin blocks "
                      + new Span(subtrees.minKey(n), subtrees.maxKey(n))
                      + ": the cut-off subtree at block "
                      + scan.location(n)
                      + " fits several devices' holes; not guessing");
        }
        continue;
      }
      for (Claim c : claims) {
        lost.take(n);
        granted.add(c);
      }
    }
    // Relate first, so that the shared mappings of an adopted node are admitted.
    List<List<Integer>> leavesOf = new ArrayList<>();
    for (Claim c : granted) {
      int me = familyIndex(c.device().id);
      List<Integer> found = new ArrayList<>();
      walk.walk(
          scan.location(c.node()),
          8,
          c.piece(),
          new TreeWalk.Sink() {
            @Override
            public void leaf(int node, Span range) {
              found.add(node);
              own(node, me);
            }

            @Override
            public void hole(Span keys, long block, String cause) {}

            @Override
            public void internal(int node) {
              own(node, me);
            }
          });
      own(c.node(), me);
      leavesOf.add(found);
    }
    computeFamilies();
    for (int i = 0; i < granted.size(); i++) {
      Claim c = granted.get(i);
      long kept = 0;
      for (int leaf : leavesOf.get(i)) {
        mark(leaf, null);
        LeafReader.Entries e = leaves.read(leaf);
        for (int j = 0; j < e.size(); j++) {
          if (c.piece().contains(e.keys()[j])
              && admit(c.device(), e.keys()[j], e.values()[j], TRUST_FAMILY, leaf, true)) {
            kept++;
          }
        }
      }
      c.hole().addLost(scan.location(c.node()), kept);
      c.hole().remaining().remove(new Span(subtrees.minKey(c.node()), subtrees.maxKey(c.node())));
    }
  }

  private void computeFamilies() {
    families = new HashMap<>();
    for (DeviceSalvage d : devices.values()) {
      if (d.included) {
        families.computeIfAbsent(familyRoot(d.id), k -> new ArrayList<>()).add(d);
      }
    }
  }

  /** The metadata space map's evidence of lost references, or null if it cannot be read. */
  private LostReferences lostReferences() {
    if (!lostRead) {
      lostRead = true;
      MetadataCounts counts = sb0 == null ? null : MetadataCounts.read(dev, sb0, scan.nrBlocks());
      if (counts == null) {
        report.note(
            "metadata space map unreadable: cut-off subtrees cannot be told from stale ones");
      } else {
        List<Long> roots = new ArrayList<>(liveTop.roots.values());
        if (snapTop != null) {
          roots.addAll(snapTop.roots.values());
        }
        lost = new LostReferences(scan, subtrees, counts, roots);
      }
    }
    return lost;
  }

  private int lowerBound(long key) {
    int lo = 0;
    int hi = orphanLeavesByKey.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (Long.compareUnsigned(scan.firstKey(orphanLeavesByKey[mid]), key) < 0) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  /**
   * Decides whether a non-live mapping is kept, and keeps it (in the device's own-tree list, or as
   * a fill). Its data block must be in use in the on-disk space map (when readable) and not held by
   * another kept mapping, except by the very same mapping (thin block and data block) of a device
   * it shares blocks with legitimately: one whose kept tree shares nodes with this device's (a thin
   * snapshot of it, or a device that reached the same damaged node), or, for a pinned metadata
   * snapshot, any device (its blocks cannot have been reused while it was held, so whoever maps
   * them at the same thin block is a snapshot of it). By induction every holder of a block admitted
   * this way maps it at the same thin block.
   */
  private boolean admit(DeviceSalvage d, long key, long value, int trust, int leaf, boolean fill)
      throws IOException {
    long data = BlockTime.dataBlock(value);
    if (dataBound >= 0 && data >= dataBound) {
      d.droppedBeyondEnd++;
      return false;
    }
    if (allocation != null && allocation.free(data)) {
      d.droppedFree++;
      return false;
    }
    DeviceSalvage family = trust == TRUST_PINNED ? null : d;
    boolean ok;
    if (liveHeld.contains(data)) {
      ok =
          (!fill && liveReachable.get((int) scan.location(leaf)))
              || othersMap(key, data, family, true);
    } else if (nonLiveHeld.contains(data)) {
      ok = othersMap(key, data, family, false);
    } else {
      ok = true;
    }
    if (!ok) {
      d.droppedConflicts++;
      return false;
    }
    nonLiveHeld.add(data);
    if (fill) {
      d.fills.add(key, value);
      d.fillIndex.put(key, value);
    } else {
      d.extra.add(key, value);
    }
    return true;
  }

  /**
   * True if a kept device (related to {@code d}, or any if {@code d} is null) maps thin block
   * {@code key} to {@code data}: through its live leaves if {@code live}, else through what was
   * admitted for it so far.
   */
  private boolean othersMap(long key, long data, DeviceSalvage d, boolean live) throws IOException {
    Iterable<DeviceSalvage> cands =
        d == null ? devices.values() : families.getOrDefault(familyRoot(d.id), List.of());
    for (DeviceSalvage o : cands) {
      if (!o.included) {
        continue;
      }
      if (live) {
        if (o.rootSource == Source.LIVE && liveLeafMaps(o, key, data)) {
          return true;
        }
        continue;
      }
      Long f = o.fillIndex.get(key);
      if (f != null && BlockTime.dataBlock(f) == data) {
        return true;
      }
      int i = o.extra.find(key);
      if (i >= 0 && BlockTime.dataBlock(o.extra.value(i)) == data) {
        return true;
      }
    }
    return false;
  }

  private int familyRoot(long id) {
    return find(familyIndex(id));
  }

  private boolean liveLeafMaps(DeviceSalvage o, long key, long data) throws IOException {
    IntList ls = o.liveLeaves;
    int lo = 0;
    int hi = ls.size() - 1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      int n = ls.get(mid);
      if (Long.compareUnsigned(scan.lastKey(n), key) < 0) {
        lo = mid + 1;
      } else if (Long.compareUnsigned(scan.firstKey(n), key) > 0) {
        hi = mid - 1;
      } else {
        LeafReader.Entries e = leaves.cached(n);
        int j = e.find(key);
        return j >= 0 && BlockTime.dataBlock(e.values()[j]) == data;
      }
    }
    return false;
  }

  // ---------------------------------------------------------------- the pool

  private SalvagePlan finish() throws IOException {
    List<DeviceSalvage> kept = new ArrayList<>();
    long maxTime = 0;
    long maxData = -1;
    long maxTid = -1;
    for (DeviceSalvage d : devices.values()) {
      if (!d.included) {
        continue;
      }
      kept.add(d);
      d.fills.sort();
      for (int i = 0; i < d.liveLeaves.size() && d.rootSource == Source.LIVE; i++) {
        int n = d.liveLeaves.get(i);
        if (scan.nrEntries(n) > 0) {
          maxTime = Math.max(maxTime, scan.maxTime(n));
          long md = scan.maxData(n);
          maxData = Math.max(maxData, dataBound >= 0 ? Math.min(md, dataBound - 1) : md);
        }
      }
      for (MappingList l : List.of(d.extra, d.fills)) {
        for (int i = 0; i < l.size(); i++) {
          maxTime = Math.max(maxTime, BlockTime.time(l.value(i)));
          maxData = Math.max(maxData, BlockTime.dataBlock(l.value(i)));
        }
      }
      if (d.details != null && d.detailsSource != Source.REBUILT) {
        maxTime =
            Math.max(maxTime, Math.max(d.details.creationTime(), d.details.snapshottedTime()));
        maxTid = Math.max(maxTid, d.details.transactionId());
      }
    }
    if (kept.isEmpty() && !liveTop.rootUsable) {
      throw new CorruptMetadataException("no compatible roots found");
    }
    long time;
    long tid;
    long dbs;
    long nrData;
    long highest = maxData + 1;
    if (sb0 != null) {
      time = Math.max(sb0.time(), maxTime);
      tid = sb0.transactionId();
      if (options.transactionId() != null) {
        tid = Math.max(tid, options.transactionId());
      }
      dbs = options.dataBlockSize() != null ? options.dataBlockSize() : sb0.dataBlockSize();
      long sbNr = dataBound >= 0 ? sb0.dataSmRoot().nrBlocks() : 0;
      long base = options.nrDataBlocks() != null ? options.nrDataBlocks() : sbNr;
      nrData = Math.max(base, highest);
    } else {
      Superblock ref = snap == null ? null : snap.superblock();
      time = Math.max(maxTime + 1, ref == null ? 0 : ref.time());
      long base =
          options.transactionId() != null
              ? options.transactionId()
              : ref == null ? 0 : ref.transactionId();
      tid = Math.max(base, maxTid + 1);
      if (options.dataBlockSize() != null) {
        dbs = options.dataBlockSize();
      } else if (ref != null) {
        dbs = ref.dataBlockSize();
      } else {
        throw new CorruptMetadataException(
            "data block size needs to be provided due to corruption in the superblock");
      }
      long nrBase = options.nrDataBlocks() != null ? options.nrDataBlocks() : 0;
      nrData = Math.max(Math.max(nrBase, highest), scan.dataIndexLowerBound());
      report.superblockRebuilt(
          String.format(
              java.util.Locale.ROOT,
              "rebuilt superblock: transaction %s, time %d, data_block_size %d%s, nr_data_blocks %d",
              Long.toUnsignedString(tid),
              time,
              dbs,
              options.dataBlockSize() != null ? " (given)" : " (from the snapshot superblock)",
              nrData));
    }
    if (dbs < 128 || dbs > 2097152 || dbs % 128 != 0) {
      throw new CorruptMetadataException("invalid data block size");
    }
    BitSet unsortedLeaves = new BitSet();
    for (DeviceSalvage d : kept) {
      for (int i = 0; i < d.liveLeaves.size(); i++) {
        if (scan.isUnsorted(d.liveLeaves.get(i))) {
          unsortedLeaves.set(d.liveLeaves.get(i));
        }
      }
      for (DeviceSalvage.MappingHole h : d.holes) {
        for (Span s : h.remaining().spans()) {
          report.lost("device " + Long.toUnsignedString(d.id) + ": thin blocks " + s);
        }
      }
    }
    if (!unsortedLeaves.isEmpty()) {
      report.note(unsortedLeaves.cardinality() + " leaves had their keys out of order; sorted");
    }
    return new SalvagePlan(
        dev, scan, leaves, kept, time, tid, dbs, nrData, dataBound, report, sb0 == null);
  }
}
