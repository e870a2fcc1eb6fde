package org.thinmeta.thin.inspect;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.LongPredicate;
import org.thinmeta.pdata.btree.KeyRange;
import org.thinmeta.pdata.btree.Node;
import org.thinmeta.pdata.btree.NodeChecks;
import org.thinmeta.pdata.btree.NodeFault;
import org.thinmeta.pdata.damage.CorruptMetadataException;
import org.thinmeta.pdata.damage.Damage;
import org.thinmeta.pdata.io.BlockDevice;

/**
 * The shape of a set of bottom-level mapping trees, loaded without reading their leaves: every
 * distinct internal node is read once (its keys and children kept), leaves are only located, and
 * every block gets a count of the references to it (saturating), so that a node referenced more
 * than once (shared by snapshots) is known before any leaf is read. Leaves are then read once each,
 * in disk order and in parallel, by {@link #readLeaves}.
 *
 * <p>Walks are strict: any damage (bad checksum, wrong node kind, a leaf at the wrong depth, keys
 * outside their parent's range, a loop) throws {@link CorruptMetadataException}.
 */
public final class MappingForest {
  /** Value size of bottom-level leaves. */
  static final int VALUE_SIZE = 8;

  private static final int MAX_HEIGHT = 32;
  private static final int LEAF_BATCH = 128;

  /** An internal node: its keys, child blocks and height above the leaves (at least 1). */
  record Internal(long[] keys, long[] children, int height) {}

  /** The keys a leaf holds: how many, the first and the last. */
  record LeafKeys(int nrEntries, long first, long last) {}

  /** Receives leaves, one at a time, in ascending block order. */
  @FunctionalInterface
  public interface LeafVisitor {
    /** One leaf that passed its checks. */
    void leaf(Node leaf) throws IOException;
  }

  /** Receives the nodes of one device's tree in key order. */
  public interface TreeVisitor {
    /**
     * A leaf, with the range of keys its parents allow.
     *
     * @param sharedPath true if the leaf or one of its ancestors is referenced more than once
     */
    void leaf(long location, boolean sharedPath, KeyRange range) throws IOException;
  }

  private final BlockDevice dev;
  private final int limit;
  private final byte[] refs;
  private final BitSet leafBits;
  private final Map<Long, Internal> internals = new HashMap<>();
  private final Map<Long, LeafKeys> leafKeys = new HashMap<>();

  private MappingForest(BlockDevice dev, long limit) {
    this.dev = dev;
    this.limit = (int) Math.min(limit, Integer.MAX_VALUE - 64);
    this.refs = new byte[this.limit];
    this.leafBits = new BitSet(this.limit);
  }

  /**
   * Loads the trees rooted at {@code roots} (duplicates count as extra references).
   *
   * @param limit number of metadata blocks pointers may reach
   */
  public static MappingForest load(BlockDevice dev, long limit, Collection<Long> roots)
      throws IOException {
    MappingForest f = new MappingForest(dev, limit);
    for (long root : roots) {
      f.addRoot(root);
    }
    return f;
  }

  /** True if the node at {@code location} is referenced more than once. */
  public boolean isShared(long location) {
    return refs[(int) location] > 1;
  }

  /** Number of distinct leaves. */
  public int nrLeaves() {
    return leafBits.cardinality();
  }

  /** Number of distinct internal nodes. */
  public int nrInternal() {
    return internals.size();
  }

  private void addRoot(long root) throws IOException {
    checkPointer(root, KeyRange.ALL);
    inc(root);
    if (leafBits.get((int) root) || internals.containsKey(root)) {
      return;
    }
    Map<Long, Node> read = new HashMap<>();
    int height = heightOf(root, read);
    if (height == 0) {
      leafBits.set((int) root);
    } else {
      expand(root, height, read);
    }
  }

  /** Height of the subtree at {@code loc}, from its leftmost path. */
  private int heightOf(long loc, Map<Long, Node> read) throws IOException {
    long cur = loc;
    for (int steps = 0; steps <= MAX_HEIGHT; steps++) {
      if (leafBits.get((int) cur)) {
        return steps;
      }
      Internal known = internals.get(cur);
      if (known != null) {
        return steps + known.height();
      }
      Node n = readNode(cur, KeyRange.ALL);
      if (n.isLeaf()) {
        return steps;
      }
      read.put(cur, n);
      cur = n.valueU64(0);
      checkPointer(cur, KeyRange.ALL);
    }
    throw corrupt(new Damage.BadNode(loc, NodeFault.TOO_DEEP, null, null));
  }

  private void expand(long loc, int height, Map<Long, Node> read) throws IOException {
    Node n = read.remove(loc);
    if (n == null) {
      n = readNode(loc, KeyRange.ALL);
    }
    if (n.isLeaf()) {
      throw corrupt(
          new Damage.BadNode(
              loc,
              NodeFault.DEPTH_MISMATCH,
              "leaf where a node of height " + height + " is",
              null));
    }
    int nr = n.nrEntries();
    long[] keys = new long[nr];
    long[] children = new long[nr];
    for (int i = 0; i < nr; i++) {
      keys[i] = n.key(i);
      children[i] = n.valueU64(i);
    }
    internals.put(loc, new Internal(keys, children, height));
    for (int i = 0; i < nr; i++) {
      long c = children[i];
      checkPointer(c, KeyRange.ALL);
      inc(c);
      Internal ci = internals.get(c);
      if (height == 1) {
        if (ci != null) {
          throw corrupt(
              new Damage.BadNode(c, NodeFault.DEPTH_MISMATCH, "internal node at leaf level", null));
        }
        leafBits.set((int) c);
      } else if (ci != null) {
        if (ci.height() != height - 1) {
          throw corrupt(
              new Damage.BadNode(
                  c,
                  NodeFault.DEPTH_MISMATCH,
                  "reached at height " + (height - 1) + " and " + ci.height(),
                  null));
        }
      } else if (leafBits.get((int) c)) {
        throw corrupt(
            new Damage.BadNode(c, NodeFault.DEPTH_MISMATCH, "leaf above the leaf level", null));
      } else {
        expand(c, height - 1, read);
      }
    }
  }

  private void inc(long loc) {
    int i = (int) loc;
    if (refs[i] < Byte.MAX_VALUE) {
      refs[i]++;
    }
  }

  private void checkPointer(long loc, KeyRange range) throws CorruptMetadataException {
    if (loc < 0 || loc >= limit) {
      throw corrupt(
          new Damage.BadNode(
              loc, NodeFault.BLOCK_OUT_OF_RANGE, "metadata has " + limit + " blocks", range));
    }
  }

  private Node readNode(long loc, KeyRange range) throws IOException {
    ByteBuffer b;
    try {
      b = dev.read(loc);
    } catch (IOException e) {
      throw corrupt(new Damage.BadNode(loc, NodeFault.IO_ERROR, e.getMessage(), range));
    }
    Damage d = NodeChecks.checksum(loc, b);
    if (d != null) {
      throw corrupt(d);
    }
    Node n = Node.decode(loc, b);
    d = NodeChecks.check(n, VALUE_SIZE, true, NodeChecks.Policy.FATAL_ONLY);
    if (d != null) {
      throw corrupt(d);
    }
    return n;
  }

  private static CorruptMetadataException corrupt(Damage d) {
    return new CorruptMetadataException(d);
  }

  /**
   * Reads every distinct leaf accepted by {@code filter} once, in ascending block order, with up to
   * {@code threads} readers, and hands them to {@code visitor} one at a time (on the calling
   * thread). Records each leaf's key bounds for {@link #walk}.
   */
  public void readLeaves(LongPredicate filter, int threads, LeafVisitor visitor)
      throws IOException {
    List<long[]> batches = new ArrayList<>();
    long[] batch = new long[LEAF_BATCH];
    int n = 0;
    for (int b = leafBits.nextSetBit(0); b >= 0; b = leafBits.nextSetBit(b + 1)) {
      if (!filter.test(b)) {
        continue;
      }
      batch[n++] = b;
      if (n == LEAF_BATCH) {
        batches.add(batch);
        batch = new long[LEAF_BATCH];
        n = 0;
      }
    }
    if (n > 0) {
      batches.add(java.util.Arrays.copyOf(batch, n));
    }
    if (threads <= 1 || batches.size() <= 1) {
      for (long[] bs : batches) {
        for (Node leaf : readBatch(bs)) {
          accept(leaf, visitor);
        }
      }
      return;
    }
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      ArrayDeque<Future<List<Node>>> window = new ArrayDeque<>();
      int next = 0;
      while (next < batches.size() || !window.isEmpty()) {
        while (next < batches.size() && window.size() < 4 * threads) {
          long[] bs = batches.get(next++);
          window.add(pool.submit(() -> readBatch(bs)));
        }
        for (Node leaf : get(window.poll())) {
          accept(leaf, visitor);
        }
      }
    } finally {
      pool.shutdownNow();
    }
  }

  private void accept(Node leaf, LeafVisitor visitor) throws IOException {
    int nr = leaf.nrEntries();
    leafKeys.put(
        leaf.location(), new LeafKeys(nr, nr > 0 ? leaf.key(0) : 0, nr > 0 ? leaf.key(nr - 1) : 0));
    visitor.leaf(leaf);
  }

  private List<Node> readBatch(long[] locations) throws IOException {
    List<Node> out = new ArrayList<>(locations.length);
    for (long loc : locations) {
      Node n = readNode(loc, null);
      if (!n.isLeaf()) {
        throw corrupt(
            new Damage.BadNode(loc, NodeFault.DEPTH_MISMATCH, "internal node at leaf level", null));
      }
      out.add(n);
    }
    return out;
  }

  private static <T> T get(Future<T> f) throws IOException {
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new IOException(e.getCause());
    }
  }

  /**
   * Walks the tree at {@code root} in key order over the loaded shape, checking that every node's
   * keys lie in the range its parent gives it (leaf bounds are checked once {@link #readLeaves} has
   * seen the leaf).
   */
  public void walk(long root, TreeVisitor visitor) throws IOException {
    walk(root, KeyRange.ALL, false, visitor);
  }

  private void walk(long loc, KeyRange range, boolean sharedAbove, TreeVisitor visitor)
      throws IOException {
    boolean shared = sharedAbove || isShared(loc);
    Internal in = internals.get(loc);
    if (in == null) {
      LeafKeys k = leafKeys.get(loc);
      if (k != null
          && k.nrEntries() > 0
          && !(range.contains(k.first()) && range.contains(k.last()))) {
        throw keysOutOfRange(loc, range);
      }
      visitor.leaf(loc, shared, range);
      return;
    }
    long[] keys = in.keys();
    if (!range.contains(keys[0]) || !range.contains(keys[keys.length - 1])) {
      throw keysOutOfRange(loc, range);
    }
    for (int i = 0; i < keys.length; i++) {
      KeyRange child =
          i + 1 < keys.length
              ? range.child(keys[i], keys[i + 1], true)
              : range.child(keys[i], 0, false);
      walk(in.children()[i], child, shared, visitor);
    }
  }

  private static CorruptMetadataException keysOutOfRange(long loc, KeyRange range) {
    return corrupt(new Damage.BadNode(loc, NodeFault.KEY_OUT_OF_RANGE, null, range));
  }

  /** The internal node at {@code loc}, or null if it is a leaf. */
  Internal internal(long loc) {
    return internals.get(loc);
  }

  /** Key bounds of a leaf read by {@link #readLeaves}, or null. */
  LeafKeys leafKeys(long loc) {
    return leafKeys.get(loc);
  }
}
