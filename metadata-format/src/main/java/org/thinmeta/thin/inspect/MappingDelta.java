package org.thinmeta.thin.inspect;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.thinmeta.pdata.btree.KeyRange;
import org.thinmeta.pdata.btree.Node;
import org.thinmeta.pdata.btree.NodeChecks;
import org.thinmeta.pdata.btree.NodeFault;
import org.thinmeta.pdata.damage.CorruptMetadataException;
import org.thinmeta.pdata.damage.Damage;
import org.thinmeta.pdata.io.BlockDevice;
import org.thinmeta.thin.format.BlockTime;

/**
 * Compares the mappings of two bottom-level trees (thin_delta, format doc §10.2). The shapes of
 * both trees are loaded first (internal nodes only, shared ones once); then both leaf sequences are
 * walked in key order. Where both trees reach the same leaf block at the same point, its mappings
 * are reported as {@code same} without comparing them, and the leaf is read only once; elsewhere
 * mappings are compared one by one. Mapping times are ignored.
 *
 * <p>The result is a stream of segments, each of one kind; {@link DeltaMerger} turns it into the
 * output elements.
 */
public final class MappingDelta {
  /** How a virtual block differs between the two trees. */
  public enum Kind {
    /** Mapped in the left tree only. */
    LEFT_ONLY,
    /** Mapped in the right tree only. */
    RIGHT_ONLY,
    /** Mapped to the same data block in both. */
    SAME,
    /** Mapped to different data blocks. */
    DIFFERENT
  }

  /** Receives segments in ascending virtual block order. */
  @FunctionalInterface
  public interface Sink {
    /**
     * {@code length} virtual blocks from {@code begin}, whose data blocks (where mapped) start at
     * {@code leftData} / {@code rightData} and are contiguous.
     */
    void segment(Kind kind, long begin, long leftData, long rightData, long length)
        throws IOException;
  }

  private static final int CACHE = 8;

  private final BlockDevice dev;
  private final Map<Long, long[][]> cache =
      new LinkedHashMap<>(16, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, long[][]> e) {
          return size() > CACHE;
        }
      };
  private long leavesRead;
  private long leavesSkipped;

  private final Side left;
  private final Side right;

  private final int threads;
  private final Map<Long, Future<long[][]>> inflight = new HashMap<>();
  private long[] needOrder = new long[0];
  private int nextPrefetch;
  private ExecutorService pool;

  private MappingDelta(
      BlockDevice dev, MappingForest forest, long leftRoot, long rightRoot, int threads)
      throws IOException {
    this.dev = dev;
    this.threads = threads;
    this.left = side(forest, leftRoot);
    this.right = side(forest, rightRoot);
  }

  /** Statistics of one comparison. */
  public record Stats(long leavesRead, long sharedLeavesSkipped) {}

  /**
   * Loads the shapes of the trees rooted at {@code leftRoot} and {@code rightRoot}, so that damage
   * in their internal nodes is found before any output.
   *
   * @param limit number of metadata blocks pointers may reach
   * @throws CorruptMetadataException if either tree is damaged
   */
  public static MappingDelta load(BlockDevice dev, long limit, long leftRoot, long rightRoot)
      throws IOException {
    return load(dev, limit, leftRoot, rightRoot, 1);
  }

  /**
   * Like {@link #load(BlockDevice, long, long, long)}, reading leaves ahead of the comparison with
   * {@code threads} background readers (none if 1).
   */
  public static MappingDelta load(
      BlockDevice dev, long limit, long leftRoot, long rightRoot, int threads) throws IOException {
    MappingForest forest = MappingForest.load(dev, limit, List.of(leftRoot, rightRoot));
    return new MappingDelta(dev, forest, leftRoot, rightRoot, threads);
  }

  /**
   * Streams the differences to {@code sink}, in ascending virtual block order.
   *
   * @throws CorruptMetadataException if a leaf is damaged (output so far is incomplete)
   */
  public Stats run(Sink sink) throws IOException {
    if (threads > 1) {
      needOrder = needOrder();
      pool =
          Executors.newFixedThreadPool(
              threads,
              r -> {
                Thread t = new Thread(r, "thin_delta-reader");
                t.setDaemon(true);
                return t;
              });
    }
    try {
      run(left, right, sink);
    } finally {
      if (pool != null) {
        pool.shutdownNow();
        pool = null;
      }
    }
    return new Stats(leavesRead, leavesSkipped);
  }

  /** The distinct leaves of both trees in the order the comparison will want them. */
  private long[] needOrder() {
    long[] out = new long[left.leaves.size() + right.leaves.size()];
    java.util.HashSet<Long> seen = new java.util.HashSet<>();
    int i = 0;
    int j = 0;
    int k = 0;
    while (i < left.leaves.size() || j < right.leaves.size()) {
      boolean takeLeft =
          j >= right.leaves.size()
              || (i < left.leaves.size()
                  && Long.compareUnsigned(left.ranges.get(i).lo(), right.ranges.get(j).lo()) <= 0);
      long loc = takeLeft ? left.leaves.get(i++) : right.leaves.get(j++);
      if (seen.add(loc)) {
        out[k++] = loc;
      }
    }
    return java.util.Arrays.copyOf(out, k);
  }

  private void topUp() {
    while (nextPrefetch < needOrder.length && inflight.size() < 32 * threads) {
      long loc = needOrder[nextPrefetch++];
      if (!inflight.containsKey(loc) && !cache.containsKey(loc)) {
        inflight.put(loc, pool.submit(() -> decode(loc, null)));
      }
    }
  }

  private Side side(MappingForest forest, long root) throws IOException {
    List<Long> leaves = new ArrayList<>();
    List<KeyRange> ranges = new ArrayList<>();
    forest.walk(
        root,
        (loc, sharedPath, range) -> {
          leaves.add(loc);
          ranges.add(range);
        });
    return new Side(leaves, ranges);
  }

  private void run(Side l, Side r, Sink sink) throws IOException {
    while (true) {
      l.settle();
      r.settle();
      boolean lm = l.more();
      boolean rm = r.more();
      if (!lm && !rm) {
        return;
      }
      if (lm && rm && l.pos == 0 && r.pos == 0 && l.leaf() == r.leaf()) {
        sameLeaf(l.keys, l.values, sink);
        leavesSkipped++;
        l.nextLeaf();
        r.nextLeaf();
        continue;
      }
      int c = !lm ? 1 : !rm ? -1 : Long.compareUnsigned(l.key(), r.key());
      if (c < 0) {
        sink.segment(Kind.LEFT_ONLY, l.key(), l.data(), 0, 1);
        l.pos++;
      } else if (c > 0) {
        sink.segment(Kind.RIGHT_ONLY, r.key(), 0, r.data(), 1);
        r.pos++;
      } else {
        long ld = l.data();
        long rd = r.data();
        sink.segment(ld == rd ? Kind.SAME : Kind.DIFFERENT, l.key(), ld, rd, 1);
        l.pos++;
        r.pos++;
      }
    }
  }

  /** Reports a leaf both trees hold as runs of {@code same}. */
  private static void sameLeaf(long[] keys, long[] data, Sink sink) throws IOException {
    int n = keys.length;
    int i = 0;
    while (i < n) {
      int j = i + 1;
      while (j < n && keys[j] == keys[j - 1] + 1 && data[j] == data[j - 1] + 1) {
        j++;
      }
      sink.segment(Kind.SAME, keys[i], data[i], data[i], j - i);
      i = j;
    }
  }

  /** Keys and data blocks of a leaf, read and checked (a few recent leaves are kept). */
  private long[][] load(long loc, KeyRange range) throws IOException {
    long[][] kv = cache.get(loc);
    if (kv != null) {
      checkRange(loc, kv[0], range);
      return kv;
    }
    if (pool != null) {
      Future<long[][]> f = inflight.remove(loc);
      topUp();
      if (f != null) {
        kv = get(f, loc, range);
      }
    }
    if (kv == null) {
      kv = decode(loc, range);
    }
    leavesRead++;
    cache.put(loc, kv);
    checkRange(loc, kv[0], range);
    return kv;
  }

  private static long[][] get(Future<long[][]> f, long loc, KeyRange range) throws IOException {
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof CorruptMetadataException c) {
        if (c.damage() != null) {
          throw new CorruptMetadataException(withRange(c.damage(), range));
        }
        throw c;
      }
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      throw new IOException(e.getCause());
    }
  }

  /** Reads, checks and decodes a leaf into {keys, data blocks}; thread-safe. */
  private long[][] decode(long loc, KeyRange range) throws IOException {
    Node n;
    try {
      java.nio.ByteBuffer b = dev.read(loc);
      Damage d = NodeChecks.checksum(loc, b);
      if (d != null) {
        throw new CorruptMetadataException(withRange(d, range));
      }
      n = Node.decode(loc, b);
    } catch (CorruptMetadataException e) {
      throw e;
    } catch (IOException e) {
      throw new CorruptMetadataException(
          new Damage.BadNode(loc, NodeFault.IO_ERROR, e.getMessage(), range));
    }
    Damage d = NodeChecks.check(n, MappingForest.VALUE_SIZE, true, NodeChecks.Policy.FATAL_ONLY);
    if (d == null && !n.isLeaf()) {
      d = new Damage.BadNode(loc, NodeFault.DEPTH_MISMATCH, "internal node at leaf level", range);
    }
    if (d != null) {
      throw new CorruptMetadataException(withRange(d, range));
    }
    // Bulk copies; the node is dropped here, so its cached arrays are ours to keep and change.
    long[] keys = n.keys();
    long[] data = n.valuesU64();
    for (int i = 0; i < data.length; i++) {
      data[i] = BlockTime.dataBlock(data[i]);
    }
    return new long[][] {keys, data};
  }

  private static Damage withRange(Damage d, KeyRange range) {
    if (d instanceof Damage.BadNode b && b.keys() == null) {
      return new Damage.BadNode(b.location(), b.fault(), b.detail(), range);
    }
    return d;
  }

  private static void checkRange(long loc, long[] keys, KeyRange range)
      throws CorruptMetadataException {
    if (keys.length > 0 && !(range.contains(keys[0]) && range.contains(keys[keys.length - 1]))) {
      throw new CorruptMetadataException(
          new Damage.BadNode(loc, NodeFault.KEY_OUT_OF_RANGE, null, range));
    }
  }

  /** A cursor over one tree's mappings, leaf by leaf. */
  private final class Side {
    final List<Long> leaves;
    final List<KeyRange> ranges;
    int leafIndex = -1;
    long[] keys = new long[0];
    long[] values = new long[0];
    int pos;

    Side(List<Long> leaves, List<KeyRange> ranges) {
      this.leaves = leaves;
      this.ranges = ranges;
    }

    /** Moves past exhausted (and empty) leaves, loading the next one. */
    void settle() throws IOException {
      while (pos >= keys.length && leafIndex + 1 < leaves.size()) {
        leafIndex++;
        long[][] kv = load(leaves.get(leafIndex), ranges.get(leafIndex));
        keys = kv[0];
        values = kv[1];
        pos = 0;
      }
    }

    boolean more() {
      return pos < keys.length;
    }

    long leaf() {
      return leaves.get(leafIndex);
    }

    long key() {
      return keys[pos];
    }

    long data() {
      return values[pos];
    }

    void nextLeaf() {
      pos = keys.length;
    }
  }
}
