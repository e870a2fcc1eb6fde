package org.thinmeta.pdata.btree;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.thinmeta.pdata.damage.Damage;
import org.thinmeta.pdata.damage.DamageSink;
import org.thinmeta.pdata.damage.Severity;
import org.thinmeta.pdata.io.BlockDevice;

/**
 * Depth-first walk of a btree, children in key order. Checks every node (§3.7), the key range each
 * parent assigns to a child, and leaf depth; reports damage to a sink and keeps going past it.
 *
 * <p>With a {@code seen} set, every distinct node is expanded once across all walks that share the
 * set (snapshots share subtrees); a node reached again is only counted in {@code refs}. Without
 * one, every leaf of the tree is visited (as a dump needs). Either way a pointer back to an
 * ancestor is reported as a loop and not followed.
 */
public final class BTreeWalker {
  /** Deeper than any btree of 2^64 keys with 84-entry nodes can be. */
  public static final int MAX_DEPTH = 32;

  /** Receives leaves. */
  public interface Visitor {
    /** A leaf that passed its checks, with the key range its parents allow. */
    void leaf(Node leaf, KeyRange range) throws IOException;

    /** A node already expanded by an earlier walk sharing the seen set. */
    default void shared(long location, boolean damaged) throws IOException {}

    /** An internal node that passed its checks (before its children are walked). */
    default void internal(Node node, KeyRange range) throws IOException {}

    /**
     * Called before child {@code location} (at {@code depth}) of an internal node is walked; return
     * false to leave that subtree to the caller, who walks it with {@link #walkSubtree} (for
     * example in another thread). The default walks every child in place.
     */
    default boolean descend(long location, KeyRange range, int depth) throws IOException {
      return true;
    }
  }

  private final BlockDevice device;
  private final DamageSink sink;
  private final NodeChecks.Policy policy;
  private final RefSink refs;
  private final AtomicBitSet seen;
  private final long nrBlocks;
  private final Map<Long, Boolean> failed = new ConcurrentHashMap<>();

  /**
   * Creates a walker.
   *
   * @param nrBlocks pointers at or beyond this are damage
   * @param refs counts references, or null
   * @param seen shared visited set for expand-once walks, or null to visit everything
   */
  public BTreeWalker(
      BlockDevice device,
      long nrBlocks,
      DamageSink sink,
      NodeChecks.Policy policy,
      RefSink refs,
      AtomicBitSet seen) {
    this.device = device;
    this.nrBlocks = nrBlocks;
    this.sink = sink;
    this.policy = policy;
    this.refs = refs;
    this.seen = seen;
  }

  /**
   * Walks the tree rooted at {@code root}.
   *
   * @return true if no fatal damage was found in it
   */
  public boolean walk(long root, int leafValueSize, Visitor visitor) throws IOException {
    return walk(root, leafValueSize, KeyRange.ALL, visitor);
  }

  /** Walks a tree whose keys must lie in {@code range}. */
  public boolean walk(long root, int leafValueSize, KeyRange range, Visitor visitor)
      throws IOException {
    int[] leafDepth = {-1};
    long[] path = new long[MAX_DEPTH + 1];
    return walkNode(root, leafValueSize, range, 0, true, leafDepth, path, visitor);
  }

  /**
   * Walks the non-root subtree at {@code loc}, found at {@code depth} below its tree's root,
   * exactly as the walk of its parent would have; used to continue a walk split by {@link
   * Visitor#descend}. Leaf depths are only compared within the subtree.
   *
   * @return true if no fatal damage was found in it
   */
  public boolean walkSubtree(
      long loc, int leafValueSize, KeyRange range, int depth, Visitor visitor) throws IOException {
    int[] leafDepth = {-1};
    long[] path = new long[MAX_DEPTH + 1];
    java.util.Arrays.fill(path, -1L);
    return walkNode(loc, leafValueSize, range, depth, false, leafDepth, path, visitor);
  }

  private boolean walkNode(
      long loc,
      int vs,
      KeyRange range,
      int depth,
      boolean isRoot,
      int[] leafDepth,
      long[] path,
      Visitor v)
      throws IOException {
    if (loc < 0 || loc >= nrBlocks) {
      sink.report(
          new Damage.BadNode(
              loc, NodeFault.BLOCK_OUT_OF_RANGE, "metadata has " + nrBlocks + " blocks", range));
      return false;
    }
    if (depth > MAX_DEPTH) {
      sink.report(new Damage.BadNode(loc, NodeFault.TOO_DEEP, null, range));
      return false;
    }
    for (int i = 0; i < depth; i++) {
      if (path[i] == loc) {
        sink.report(
            new Damage.BadNode(
                loc,
                NodeFault.POINTER_LOOP,
                "reached again from its descendant " + path[depth - 1],
                range));
        return false;
      }
    }
    path[depth] = loc;
    if (refs != null) {
      refs.inc(loc);
    }
    if (seen != null && !seen.mark(loc)) {
      boolean damaged = failed.containsKey(loc);
      v.shared(loc, damaged);
      return !damaged;
    }
    ByteBuffer block;
    try {
      block = device.read(loc);
    } catch (IOException e) {
      return fail(loc, new Damage.BadNode(loc, NodeFault.IO_ERROR, e.getMessage(), range));
    }
    Damage d = NodeChecks.checksum(loc, block);
    if (d != null) {
      return fail(loc, withRange(d, range));
    }
    Node node = Node.decode(loc, block);
    d = NodeChecks.check(node, vs, isRoot, policy);
    if (d != null) {
      if (d.severity() == Severity.FATAL) {
        return fail(loc, withRange(d, range));
      }
      sink.report(withRange(d, range));
    }
    int n = node.nrEntries();
    // Keys strictly increase (a fatal rule checked above): the range holds them all if it holds
    // the first and the last.
    if (n > 0 && !(range.contains(node.keys()[0]) && range.contains(node.keys()[n - 1]))) {
      for (int i = 0; i < n; i++) {
        long k = node.key(i);
        if (!range.contains(k)) {
          return fail(
              loc,
              new Damage.BadNode(
                  loc, NodeFault.KEY_OUT_OF_RANGE, "key " + Long.toUnsignedString(k), range));
        }
      }
    }
    if (node.isLeaf()) {
      if (leafDepth[0] < 0) {
        leafDepth[0] = depth;
      } else if (leafDepth[0] != depth) {
        return fail(
            loc,
            new Damage.BadNode(
                loc,
                NodeFault.DEPTH_MISMATCH,
                "leaf at depth " + depth + ", others at " + leafDepth[0],
                range));
      }
      v.leaf(node, range);
      return true;
    }
    if (leafDepth[0] >= 0 && depth >= leafDepth[0]) {
      return fail(
          loc,
          new Damage.BadNode(
              loc,
              NodeFault.DEPTH_MISMATCH,
              "internal node at depth " + depth + ", leaves at " + leafDepth[0],
              range));
    }
    v.internal(node, range);
    boolean ok = true;
    long[] keys = node.keys();
    long[] children = node.valuesU64();
    for (int i = 0; i < n; i++) {
      long from = keys[i];
      KeyRange childRange =
          i + 1 < n ? range.child(from, keys[i + 1], true) : range.child(from, 0, false);
      long child = children[i];
      if (v.descend(child, childRange, depth + 1)) {
        ok &= walkNode(child, vs, childRange, depth + 1, false, leafDepth, path, v);
      }
    }
    return ok;
  }

  private static Damage withRange(Damage d, KeyRange range) {
    if (d instanceof Damage.BadNode b && b.keys() == null) {
      return new Damage.BadNode(b.location(), b.fault(), b.detail(), range);
    }
    return d;
  }

  private boolean fail(long loc, Damage d) throws IOException {
    failed.put(loc, Boolean.TRUE);
    sink.report(d);
    return false;
  }
}
