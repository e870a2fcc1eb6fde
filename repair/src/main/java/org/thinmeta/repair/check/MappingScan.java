package org.thinmeta.repair.check;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RecursiveAction;
import java.util.concurrent.atomic.AtomicLong;
import org.thinmeta.pdata.btree.AtomicBitSet;
import org.thinmeta.pdata.btree.BTreeWalker;
import org.thinmeta.pdata.btree.KeyRange;
import org.thinmeta.pdata.btree.Node;
import org.thinmeta.pdata.btree.NodeChecks;
import org.thinmeta.pdata.btree.NodeFault;
import org.thinmeta.pdata.btree.RefSink;
import org.thinmeta.pdata.damage.Damage;
import org.thinmeta.pdata.damage.DamageSink;
import org.thinmeta.pdata.damage.Severity;
import org.thinmeta.pdata.io.BlockDevice;
import org.thinmeta.thin.format.BlockTime;

/**
 * Checks the bottom-level mapping trees (format doc §7.3 steps 10-12) in two phases.
 *
 * <p>Phase 1 walks every root occurrence with {@link BTreeWalker} in a thread pool, sharing one
 * {@code seen} set so that each distinct node is read and checked once while every reference is
 * counted; the upper levels are split into parallel tasks. For each leaf it records the number of
 * entries and the key range, counts the data blocks it maps and checks them against the data device
 * size.
 *
 * <p>Phase 2 summarises each root: mapping count, key range, height and errors, memoised per node
 * so that subtrees shared between devices (which phase 1 expands only for the first device to reach
 * them) count for every device. It checks what depends on the path: each child's keys lie in the
 * range its parent gives it, all leaves are at one depth, no pointer loops back, and a node first
 * walked as a root is not underfull where it is used as a non-root.
 */
final class MappingScan {
  /** Summary of a subtree. */
  record Summary(long mappings, long low, long high, int height, long errors) {
    /** A subtree that cannot be used. */
    static final Summary ERROR = new Summary(0, 0, 0, -1, 1);
  }

  /** Children at this depth or above are walked as separate tasks. */
  private static final int FORK_DEPTH = 1;

  private static final byte NONE = 0;
  private static final byte LEAF = 1;
  private static final byte INTERNAL = 2;
  private static final byte DAMAGED = 3;

  private final BlockDevice device;
  private final long limit;
  private final long nrDataBlocks;
  private final NodeChecks.Policy policy;
  private final RefSink refs;
  private final DataRefTally data;
  private final AtomicBitSet seen;
  private final ProblemLog log;
  private final int threads;

  private final byte[] state;
  private final short[] entries;
  private final long[] low;
  private final long[] high;
  private final AtomicBitSet walkRoots;
  private final AtomicBitSet underfull;
  private final Map<Long, Long> leafErrors = new ConcurrentHashMap<>();
  private final Map<Long, NodeFault> faults = new ConcurrentHashMap<>();
  private final List<Problem> found = Collections.synchronizedList(new ArrayList<>());
  private final AtomicLong nrInternal = new AtomicLong();
  private final AtomicLong nrLeaves = new AtomicLong();
  private final Map<Thread, DataRefTally.Batch> batches = new ConcurrentHashMap<>();

  private final Map<Long, Summary> memo = new HashMap<>();
  private final Set<Long> inProgress = new HashSet<>();
  private final Set<Long> underfullReported = new HashSet<>();

  /**
   * A scan of the metadata in {@code device}.
   *
   * @param limit metadata blocks pointers may reach
   * @param nrDataBlocks mapped data blocks must be below this
   * @param refs counts metadata references (every pointer followed)
   * @param data counts data references (once per distinct leaf), or null not to count
   * @param seen nodes expanded already, shared with the walks of the other trees
   */
  MappingScan(
      BlockDevice device,
      long limit,
      long nrDataBlocks,
      NodeChecks.Policy policy,
      RefSink refs,
      DataRefTally data,
      AtomicBitSet seen,
      ProblemLog log,
      int threads) {
    this.device = device;
    this.limit = limit;
    this.nrDataBlocks = nrDataBlocks;
    this.policy = policy;
    this.refs = refs;
    this.data = data;
    this.seen = seen;
    this.log = log;
    this.threads = threads;
    int n = Math.toIntExact(limit);
    this.state = new byte[n];
    this.entries = new short[n];
    this.low = new long[n];
    this.high = new long[n];
    this.walkRoots = new AtomicBitSet(n);
    this.underfull = new AtomicBitSet(n);
  }

  /**
   * Phase 1: walks every root in {@code roots} (one walk per occurrence: each counts a reference),
   * then reports the damage found, first examples in block order.
   *
   * @param devices thin device ids per root, for messages
   * @param snapshotDevices ids of devices only the metadata snapshot holds, per root
   */
  void walk(long[] roots, Map<Long, long[]> devices, Map<Long, long[]> snapshotDevices)
      throws IOException {
    ForkJoinPool pool = new ForkJoinPool(threads);
    try {
      pool.invoke(
          new RecursiveAction() {
            @Override
            protected void compute() {
              List<WalkTask> tasks = new ArrayList<>();
              for (long root : roots) {
                long[] ids = devices.get(root);
                boolean inSnapshot = false;
                if (ids == null) {
                  ids = snapshotDevices.getOrDefault(root, new long[0]);
                  inSnapshot = true;
                }
                tasks.add(new WalkTask(root, KeyRange.ALL, 0, true, label(ids, inSnapshot), ids));
              }
              invokeAll(tasks);
            }
          });
    } catch (UncheckedIOException e) {
      throw e.getCause();
    } finally {
      pool.shutdownNow();
    }
    for (DataRefTally.Batch b : batches.values()) {
      b.flush();
    }
    reportFound();
  }

  private void reportFound() {
    List<Problem> all = new ArrayList<>(found);
    all.sort(Comparator.comparingLong(Problem::block));
    Map<Problem.Kind, List<Problem>> byKind = new EnumMap<>(Problem.Kind.class);
    for (Problem p : all) {
      byKind.computeIfAbsent(p.kind(), k -> new ArrayList<>()).add(p);
    }
    for (Map.Entry<Problem.Kind, List<Problem>> e : byKind.entrySet()) {
      log.reportAll(e.getKey(), e.getValue(), e.getValue().size());
    }
  }

  /** Distinct internal nodes read. */
  long internalNodes() {
    return nrInternal.get();
  }

  /** Distinct leaves read. */
  long leaves() {
    return nrLeaves.get();
  }

  /** Nodes that failed a fatal check, by location. */
  Map<Long, NodeFault> faults() {
    return faults;
  }

  /** Phase 2: the summary of the tree rooted at {@code root}. Not thread-safe. */
  Summary summary(long root) throws IOException {
    return summarize(root, true);
  }

  private Summary summarize(long loc, boolean isRoot) throws IOException {
    if (loc < 0 || loc >= limit) {
      return Summary.ERROR;
    }
    int i = (int) loc;
    byte st = state[i];
    if (st == NONE || st == DAMAGED) {
      return Summary.ERROR;
    }
    if (!isRoot
        && policy.checkNonFatal()
        && walkRoots.get(loc)
        && underfull.get(loc)
        && underfullReported.add(loc)) {
      log.report(
          new Problem(
              Problem.Kind.MAPPING_TREE,
              Severity.NON_FATAL,
              loc,
              -1,
              NodeFault.UNDERFULL.text()
                  + " at block "
                  + loc
                  + " (root of one tree, inside another)"));
    }
    if (st == LEAF) {
      long n = entries[i] & 0xFFFF;
      return new Summary(n, low[i], high[i], 0, leafErrors.getOrDefault(loc, 0L));
    }
    Summary m = memo.get(loc);
    if (m != null) {
      return m;
    }
    if (!inProgress.add(loc)) {
      log.report(
          new Problem(
              Problem.Kind.MAPPING_TREE,
              Severity.FATAL,
              loc,
              -1,
              "btree loop: block " + loc + " is its own descendant"));
      return Summary.ERROR;
    }
    Node node = Node.decode(loc, device.read(loc));
    int n = node.nrEntries();
    long count = 0;
    long errors = 0;
    long lo = 0;
    long hi = 0;
    boolean any = false;
    int height = -1;
    boolean depthReported = false;
    for (int c = 0; c < n; c++) {
      long child = node.valueU64(c);
      KeyRange range = new KeyRange(node.key(c), c + 1 < n ? node.key(c + 1) : 0, c + 1 < n);
      Summary s = summarize(child, false);
      if (s.errors() > 0) {
        errors = saturatedAdd(errors, s.errors());
        count += s.mappings();
        continue;
      }
      if (s.mappings() > 0 && (!range.contains(s.low()) || !range.contains(s.high()))) {
        log.report(
            new Problem(
                Problem.Kind.MAPPING_TREE,
                Severity.FATAL,
                child,
                -1,
                "keys "
                    + Long.toUnsignedString(s.low())
                    + ".."
                    + Long.toUnsignedString(s.high())
                    + " of block "
                    + child
                    + " are outside the range "
                    + range
                    + " given by its parent block "
                    + loc));
        errors = saturatedAdd(errors, 1);
        continue;
      }
      if (height < 0) {
        height = s.height();
      } else if (height != s.height()) {
        if (!depthReported) {
          log.report(
              new Problem(
                  Problem.Kind.MAPPING_TREE,
                  Severity.FATAL,
                  loc,
                  -1,
                  NodeFault.DEPTH_MISMATCH.text() + " (children of block " + loc + ")"));
          depthReported = true;
        }
        errors = saturatedAdd(errors, 1);
        continue;
      }
      count += s.mappings();
      if (s.mappings() > 0) {
        if (!any) {
          lo = s.low();
          any = true;
        }
        hi = s.high();
      }
    }
    inProgress.remove(loc);
    Summary s = new Summary(count, lo, hi, height < 0 ? -1 : height + 1, errors);
    memo.put(loc, s);
    return s;
  }

  private static long saturatedAdd(long a, long b) {
    long r = a + b;
    return r < 0 ? Long.MAX_VALUE : r;
  }

  private static String label(long[] ids, boolean inSnapshot) {
    if (ids.length == 0) {
      return "";
    }
    StringBuilder sb =
        new StringBuilder(inSnapshot ? " (metadata snapshot " : " (")
            .append(ids.length == 1 ? "device " : "devices ");
    for (int i = 0; i < ids.length && i < 5; i++) {
      if (i > 0) {
        sb.append(", ");
      }
      sb.append(Long.toUnsignedString(ids[i]));
    }
    if (ids.length > 5) {
      sb.append(", ...");
    }
    return sb.append(')').toString();
  }

  /**
   * Counts the data blocks of one leaf's values in {@code batch} (may be null); returns how many
   * are at or beyond {@code nrDataBlocks} (those are not counted).
   */
  private static long countData(long[] values, int n, DataRefTally.Batch batch, long nrDataBlocks) {
    if (batch != null) {
      return batch.addMappings(values, n, nrDataBlocks);
    }
    long bad = 0;
    for (int i = 0; i < n; i++) {
      if (BlockTime.dataBlock(values[i]) >= nrDataBlocks) {
        bad++;
      }
    }
    return bad;
  }

  /** Walks one tree (asRoot) or one subtree split off a walk. */
  private final class WalkTask extends RecursiveAction {
    private final long loc;
    private final KeyRange range;
    private final int depth;
    private final boolean asRoot;
    private final String label;
    private final long[] ids;

    WalkTask(long loc, KeyRange range, int depth, boolean asRoot, String label, long[] ids) {
      this.loc = loc;
      this.range = range;
      this.depth = depth;
      this.asRoot = asRoot;
      this.label = label;
      this.ids = ids;
    }

    @Override
    protected void compute() {
      List<WalkTask> forks = new ArrayList<>();
      long devId = ids.length > 0 ? ids[0] : -1;
      DamageSink sink = d -> noteDamage(d, devId, label);
      ReadAhead ahead = new ReadAhead(device);
      BTreeWalker walker = new BTreeWalker(ahead, limit, sink, policy, refs, seen);
      // A task runs on one thread from start to end (joins only run other tasks in between).
      DataRefTally.Batch batch =
          data == null ? null : batches.computeIfAbsent(Thread.currentThread(), t -> data.batch());
      Visitor v = new Visitor(asRoot ? loc : -1, forks, ids, devId, label, batch, ahead);
      try {
        if (asRoot) {
          walker.walk(loc, 8, v);
        } else {
          walker.walkSubtree(loc, 8, range, depth, v);
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      for (WalkTask t : forks) {
        t.join();
      }
    }
  }

  private void noteDamage(Damage d, long devId, String label) {
    long loc = d.location();
    if (d.severity() == Severity.FATAL && d instanceof Damage.BadNode b) {
      NodeFault f = b.fault();
      if (f != NodeFault.TOO_DEEP && f != NodeFault.BLOCK_OUT_OF_RANGE) {
        state[(int) loc] = DAMAGED;
      }
      faults.putIfAbsent(loc, f);
    }
    found.add(
        new Problem(
            Problem.Kind.MAPPING_TREE,
            d.severity(),
            loc,
            devId,
            "data mapping tree: " + d.describe() + label));
  }

  /** Records what phase 2 needs about each node, and counts data references. */
  private final class Visitor implements BTreeWalker.Visitor {
    private final long walkRoot;
    private final List<WalkTask> forks;
    private final long[] ids;
    private final long devId;
    private final String label;
    private final DataRefTally.Batch batch;
    private final ReadAhead ahead;
    private final long[] children = new long[256];

    Visitor(
        long walkRoot,
        List<WalkTask> forks,
        long[] ids,
        long devId,
        String label,
        DataRefTally.Batch batch,
        ReadAhead ahead) {
      this.walkRoot = walkRoot;
      this.forks = forks;
      this.ids = ids;
      this.devId = devId;
      this.label = label;
      this.batch = batch;
      this.ahead = ahead;
    }

    private void common(Node node) {
      long loc = node.location();
      if (loc == walkRoot) {
        walkRoots.mark(loc);
      }
      if (node.nrEntries() < node.header().maxEntries() / 3) {
        underfull.mark(loc);
      }
    }

    @Override
    public void internal(Node node, KeyRange range) throws IOException {
      common(node);
      state[(int) node.location()] = INTERNAL;
      nrInternal.incrementAndGet();
      if (node.location() == walkRoot) {
        return; // its children are walked by other tasks
      }
      int n = Math.min(node.nrEntries(), children.length);
      long[] values = node.valuesU64();
      int k = 0;
      for (int i = 0; i < n; i++) {
        long c = values[i];
        if (c >= 0 && c < limit && !seen.get(c)) {
          children[k++] = c;
        }
      }
      ahead.prefetch(children, k);
    }

    @Override
    public void leaf(Node node, KeyRange range) {
      common(node);
      int loc = (int) node.location();
      int n = node.nrEntries();
      long[] keys = node.keys();
      long[] values = node.valuesU64();
      entries[loc] = (short) n;
      if (n > 0) {
        low[loc] = keys[0];
        high[loc] = keys[n - 1];
      }
      long bad = countData(values, n, batch, nrDataBlocks);
      if (bad > 0) {
        int firstBad = 0;
        while (BlockTime.dataBlock(values[firstBad]) < nrDataBlocks) {
          firstBad++;
        }
        leafErrors.put((long) loc, bad);
        found.add(
            new Problem(
                Problem.Kind.DATA_BLOCK_OUT_OF_RANGE,
                Severity.FATAL,
                loc,
                devId,
                "thin block "
                    + Long.toUnsignedString(keys[firstBad])
                    + " is mapped to data block "
                    + BlockTime.dataBlock(values[firstBad])
                    + ", beyond the "
                    + nrDataBlocks
                    + " data blocks"
                    + (bad > 1 ? " (and " + (bad - 1) + " more mappings)" : "")
                    + " in leaf block "
                    + loc
                    + label));
      }
      state[loc] = LEAF;
      nrLeaves.incrementAndGet();
    }

    @Override
    public boolean descend(long location, KeyRange range, int depth) {
      if (depth > FORK_DEPTH) {
        return true;
      }
      WalkTask t = new WalkTask(location, range, depth, false, label, ids);
      t.fork();
      forks.add(t);
      return false;
    }
  }
}
