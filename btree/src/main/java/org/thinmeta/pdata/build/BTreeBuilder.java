package org.thinmeta.pdata.build;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.thinmeta.pdata.btree.Node;
import org.thinmeta.pdata.btree.NodeChecks;
import org.thinmeta.pdata.btree.NodeHeader;
import org.thinmeta.pdata.checksum.BlockKind;
import org.thinmeta.pdata.checksum.Checksums;
import org.thinmeta.pdata.io.Blocks;

/**
 * Builds a btree bottom-up from entries given in strictly increasing key order (format doc §9.3).
 * Leaves are filled to max_entries; the last one or two are balanced so that every node but the
 * root holds at least max_entries / 2 entries. Each level's nodes feed the level above as they are
 * finished, so memory stays constant whatever the number of entries. Unused slots are zero.
 *
 * <p>Leaves written earlier (a {@code <def>}'s, format doc §9.4) can be taken into the tree as they
 * are with {@link #splice}; one that would leave a neighbour under-full is copied instead, and the
 * copied entries are reported to the {@link CopyListener} so that the caller can count the
 * references the copy adds.
 *
 * <p>Reference counts: every node written gets count 1 (its parent's pointer, or the caller's for
 * the root); a spliced leaf gets +1 for each tree that takes it.
 */
public final class BTreeBuilder {
  /** Told about each entry copied out of a spliced leaf into a new node. */
  @FunctionalInterface
  public interface CopyListener {
    /** An entry of a spliced leaf now also lives in a new node (8-byte values only). */
    void copied(long key, long value) throws IOException;
  }

  private final MetadataSpace space;
  private final boolean leafLevel;
  private final int valueSize;
  private final int max;
  private final int half;
  private final List<LeafRef> leavesOut;
  private final CopyListener listener;
  private BTreeBuilder parent;

  private final long[] keys;

  /** Queued values of 8 bytes (the common case, kept as longs), else their bytes. */
  private final long[] values8;

  private final byte[] valueBytes;
  private final ByteBuffer values;
  private int queued;

  /** The last node emitted at this level, not yet written or not yet pushed to the parent. */
  private ByteBuffer pendingNode;

  private LeafRef pendingSplice;
  private LeafRef smallSplice;
  private int emitted;
  private boolean anyKey;
  private long lastKey;
  private boolean finished;

  private BTreeBuilder(
      MetadataSpace space,
      boolean leafLevel,
      int valueSize,
      List<LeafRef> leavesOut,
      CopyListener listener) {
    if (valueSize <= 0 || NodeHeader.maxEntriesFor(valueSize) < 3) {
      throw new IllegalArgumentException("bad value size " + valueSize);
    }
    this.space = space;
    this.leafLevel = leafLevel;
    this.valueSize = valueSize;
    this.max = NodeHeader.maxEntriesFor(valueSize);
    this.half = max / 2;
    this.leavesOut = leavesOut;
    this.listener = listener;
    this.keys = new long[2 * max];
    this.values8 = valueSize == 8 ? new long[2 * max] : null;
    this.valueBytes = valueSize == 8 ? new byte[0] : new byte[2 * max * valueSize];
    this.values = ByteBuffer.wrap(valueBytes).order(ByteOrder.LITTLE_ENDIAN);
  }

  /** A builder of a whole tree whose leaves hold {@code valueSize}-byte values. */
  public BTreeBuilder(MetadataSpace space, int valueSize) {
    this(space, true, valueSize, null, null);
  }

  /** A builder of a whole tree of 8-byte values that may take in written leaves. */
  public BTreeBuilder(MetadataSpace space, CopyListener listener) {
    this(space, true, 8, null, listener);
  }

  /**
   * A builder of leaves only (no internal levels): {@link #finish} leaves them, in key order, in
   * {@code out}. Used for shared runs of mappings that trees splice in later.
   */
  public static BTreeBuilder leavesOnly(MetadataSpace space, int valueSize, List<LeafRef> out) {
    return new BTreeBuilder(space, true, valueSize, out, null);
  }

  /** The max_entries of this builder's leaves. */
  public int maxEntries() {
    return max;
  }

  /** Adds an entry with a 4- or 8-byte value. Keys must strictly increase. */
  public void add(long key, long value) throws IOException {
    prepareAdd(key);
    if (valueSize == 8) {
      values8[queued] = value;
    } else if (valueSize == 4) {
      values.putInt(queued * 4, (int) value);
    } else {
      throw new IllegalStateException("value size is " + valueSize + ", not 4 or 8");
    }
    keys[queued++] = key;
  }

  /**
   * Adds {@code n} entries with 8-byte values: keys {@code key, key + 1, ...} and values {@code
   * value, value + step, ...} (a run of mappings). Same as {@code n} calls to {@link #add(long,
   * long)}, without their per-entry cost.
   */
  public void addRun(long key, long value, long n, long step) throws IOException {
    if (valueSize != 8) {
      throw new IllegalStateException("value size is " + valueSize + ", not 8");
    }
    if (n <= 0) {
      return;
    }
    if (Long.compareUnsigned(key + n - 1, key) < 0) {
      throw new IllegalArgumentException("run of " + n + " keys from " + key + " wraps");
    }
    long k = key;
    long v = value;
    long left = n;
    while (left > 0) {
      prepareAdd(k);
      int room = Math.max(1, max - queued);
      int chunk = (int) Math.min(left, room);
      long[] ks = keys;
      long[] vs = values8;
      int q = queued;
      for (int i = 0; i < chunk; i++) {
        ks[q + i] = k + i;
        vs[q + i] = v;
        v += step;
      }
      queued = q + chunk;
      k += chunk;
      left -= chunk;
      lastKey = k - 1;
    }
  }

  /** Adds an entry whose value is {@code value[offset .. offset + valueSize)}. */
  public void add(long key, byte[] value, int offset) throws IOException {
    if (valueSize == 8) {
      add(key, ByteBuffer.wrap(value).order(ByteOrder.LITTLE_ENDIAN).getLong(offset));
      return;
    }
    prepareAdd(key);
    System.arraycopy(value, offset, valueBytes, queued * valueSize, valueSize);
    keys[queued++] = key;
  }

  private void prepareAdd(long key) throws IOException {
    checkOrder(key);
    anyKey = true;
    lastKey = key;
    if (smallSplice != null) {
      LeafRef s = smallSplice;
      smallSplice = null;
      absorb(s);
    }
    if (queued >= max) {
      emitFromQueue(0, max);
      int rest = queued - max;
      System.arraycopy(keys, max, keys, 0, rest);
      if (values8 != null) {
        System.arraycopy(values8, max, values8, 0, rest);
      } else {
        System.arraycopy(valueBytes, max * valueSize, valueBytes, 0, rest * valueSize);
      }
      queued = rest;
    }
  }

  /**
   * Takes in a leaf written earlier, whose keys must all be above every key added so far. It is
   * shared (its count goes up by one) unless sharing it would leave a node under-full, in which
   * case its entries are copied.
   */
  public void splice(LeafRef leaf) throws IOException {
    if (!leafLevel || valueSize != 8 || leavesOut != null) {
      throw new IllegalStateException("this builder cannot take in leaves");
    }
    if (leaf.nrEntries() == 0) {
      return;
    }
    checkOrder(leaf.firstKey());
    anyKey = true;
    lastKey = leaf.lastKey();
    if (smallSplice != null) {
      LeafRef s = smallSplice;
      smallSplice = null;
      absorb(s);
    }
    if (queued > 0) {
      if (queued >= half) {
        flushQueue();
      } else if (pendingNode != null) {
        pullBack();
        flushQueue();
      } else {
        absorb(leaf);
        return;
      }
    }
    if (leaf.nrEntries() >= half) {
      commitPending(true);
      pendingSplice = leaf;
      emitted++;
    } else {
      smallSplice = leaf;
    }
  }

  /**
   * Writes what is left and returns the root block (for a leaves-only builder: -1, the leaves are
   * in its list). An empty tree is one empty leaf.
   */
  public long finish() throws IOException {
    if (finished) {
      throw new IllegalStateException("already finished");
    }
    finished = true;
    if (smallSplice != null) {
      LeafRef s = smallSplice;
      smallSplice = null;
      if (emitted == 0 && queued == 0) {
        pendingSplice = s;
        emitted++;
      } else {
        absorb(s);
      }
    }
    if (queued > 0 && queued < half && emitted > 0) {
      pullBack();
    }
    if (queued > 0) {
      flushQueue();
    }
    if (emitted == 0) {
      if (leavesOut != null) {
        return -1;
      }
      emitNode(encode(0, 0));
    }
    if (leavesOut != null) {
      commitPending(true);
      return -1;
    }
    if (parent == null) {
      return commitPending(false);
    }
    commitPending(true);
    return parent.finish();
  }

  private void checkOrder(long key) {
    if (anyKey && Long.compareUnsigned(key, lastKey) <= 0) {
      throw new IllegalArgumentException(
          "key "
              + Long.toUnsignedString(key)
              + " is not above the previous key "
              + Long.toUnsignedString(lastKey));
    }
  }

  /** Writes the whole queue as one node, or two balanced ones if it holds more than max. */
  private void flushQueue() throws IOException {
    if (queued <= max) {
      emitFromQueue(0, queued);
    } else {
      int first = queued / 2;
      emitFromQueue(0, first);
      emitFromQueue(first, queued - first);
    }
    queued = 0;
  }

  private void emitFromQueue(int from, int n) throws IOException {
    emitNode(encode(from, n));
  }

  private ByteBuffer encode(int from, int n) {
    ByteBuffer b = Blocks.allocate();
    new NodeHeader(leafLevel ? NodeHeader.LEAF : NodeHeader.INTERNAL, 0, n, max, valueSize)
        .encode(b);
    for (int i = 0; i < n; i++) {
      b.putLong(NodeHeader.SIZE + 8 * i, keys[from + i]);
    }
    int valuesAt = NodeHeader.SIZE + 8 * max;
    if (values8 != null) {
      for (int i = 0; i < n; i++) {
        b.putLong(valuesAt + 8 * i, values8[from + i]);
      }
    } else {
      b.position(valuesAt);
      b.put(valueBytes, from * valueSize, n * valueSize);
      b.clear();
    }
    return b;
  }

  private void emitNode(ByteBuffer node) throws IOException {
    commitPending(true);
    pendingNode = node;
    emitted++;
  }

  /**
   * Makes the pending node final: writes it (or counts the spliced leaf) and, if {@code push},
   * hands it to the parent level (or the leaf list). Returns its block, or -1 if none was pending.
   */
  private long commitPending(boolean push) throws IOException {
    long block;
    long first;
    long last;
    int n;
    if (pendingNode != null) {
      ByteBuffer node = pendingNode;
      pendingNode = null;
      n = node.getInt(16);
      first = n == 0 ? 0 : node.getLong(NodeHeader.SIZE);
      last = n == 0 ? 0 : node.getLong(NodeHeader.SIZE + 8 * (n - 1));
      block = space.allocate();
      space.write(block, node, BlockKind.NODE);
    } else if (pendingSplice != null) {
      LeafRef s = pendingSplice;
      pendingSplice = null;
      space.inc(s.block());
      block = s.block();
      first = s.firstKey();
      last = s.lastKey();
      n = s.nrEntries();
    } else {
      return -1;
    }
    if (push) {
      if (leavesOut != null) {
        leavesOut.add(new LeafRef(block, first, last, n));
      } else {
        if (parent == null) {
          parent = new BTreeBuilder(space, false, 8, null, null);
        }
        parent.add(first, block);
      }
    }
    return block;
  }

  /** Puts the pending node's entries back in front of the queue (it will be re-packed). */
  private void pullBack() throws IOException {
    if (pendingNode != null) {
      ByteBuffer node = pendingNode;
      pendingNode = null;
      emitted--;
      int n = node.getInt(16);
      makeRoomInFront(n);
      for (int i = 0; i < n; i++) {
        keys[i] = node.getLong(NodeHeader.SIZE + 8 * i);
      }
      int valuesAt = NodeHeader.SIZE + 8 * max;
      if (values8 != null) {
        for (int i = 0; i < n; i++) {
          values8[i] = node.getLong(valuesAt + 8 * i);
        }
      } else {
        node.position(valuesAt);
        node.get(valueBytes, 0, n * valueSize);
        node.clear();
      }
      queued += n;
    } else if (pendingSplice != null) {
      LeafRef s = pendingSplice;
      pendingSplice = null;
      emitted--;
      Node node = readLeaf(s);
      int n = node.nrEntries();
      makeRoomInFront(n);
      for (int i = 0; i < n; i++) {
        keys[i] = node.key(i);
        long v = node.valueU64(i);
        values8[i] = v;
        copied(keys[i], v);
      }
      queued += n;
    } else {
      throw new IllegalStateException("nothing to pull back");
    }
  }

  private void makeRoomInFront(int n) {
    if (queued + n > keys.length) {
      throw new IllegalStateException("builder queue overflow");
    }
    System.arraycopy(keys, 0, keys, n, queued);
    if (values8 != null) {
      System.arraycopy(values8, 0, values8, n, queued);
    } else {
      System.arraycopy(valueBytes, 0, valueBytes, n * valueSize, queued * valueSize);
    }
  }

  /** Copies a spliced leaf's entries to the end of the queue instead of sharing it. */
  private void absorb(LeafRef leaf) throws IOException {
    Node node = readLeaf(leaf);
    int n = node.nrEntries();
    if (queued + n > keys.length) {
      throw new IllegalStateException("builder queue overflow");
    }
    for (int i = 0; i < n; i++) {
      long v = node.valueU64(i);
      keys[queued] = node.key(i);
      values8[queued] = v;
      queued++;
      copied(node.key(i), v);
    }
  }

  private void copied(long key, long value) throws IOException {
    if (listener != null) {
      listener.copied(key, value);
    }
  }

  private Node readLeaf(LeafRef leaf) throws IOException {
    ByteBuffer b = space.read(leaf.block());
    Node node = Node.decode(leaf.block(), b);
    if (!Checksums.verify(b, BlockKind.NODE)
        || NodeChecks.check(node, 8, true, NodeChecks.Policy.FATAL_ONLY) != null
        || !node.isLeaf()
        || node.nrEntries() != leaf.nrEntries()) {
      throw new IOException("leaf " + leaf.block() + " written earlier does not read back");
    }
    return node;
  }
}
