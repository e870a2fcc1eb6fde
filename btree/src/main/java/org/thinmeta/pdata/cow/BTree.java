package org.thinmeta.pdata.cow;

import java.io.IOException;
import org.thinmeta.pdata.btree.NodeHeader;
import org.thinmeta.pdata.checksum.BlockKind;
import org.thinmeta.pdata.io.Blocks;
import org.thinmeta.pdata.tm.TransactionManager;

/**
 * A copy-on-write btree with u64 keys (the kernel's dm-btree, one level). Every update walks a
 * {@link Spine} from the root, shadowing each node it passes, and returns the new root.
 *
 * <p>Insert splits full nodes on the way down (a full root is split beneath itself, keeping its
 * location; any other full node gives half its entries to a new right sibling). Remove rebalances
 * on the way down as the kernel does: at each internal node the child holding the key is shadowed
 * together with one or two siblings, and the two are merged if they hold fewer than {@code 2 *
 * (max/3 + 1)} entries, the three lose their middle node if they hold fewer than {@code 4 * (max/3)
 * + 1}, and otherwise their entries are redistributed evenly; a node left with a single child takes
 * over that child's contents. So no node but the root ever holds fewer than {@code max/3} entries.
 */
public final class BTree {
  /** Result of an insert. */
  public record Insert(long root, boolean inserted) {}

  /** Result of a remove. */
  public record Remove(long root, boolean removed) {}

  /** Receives leaf entries in key order. */
  @FunctionalInterface
  public interface EntryVisitor {
    /** One entry: its key, and its value at {@code node[off..off+size)}. */
    void entry(long key, byte[] node, int off) throws IOException;
  }

  private final TransactionManager tm;
  private final ValueType vt;

  /** A tree type over {@code tm} whose leaves hold values of {@code vt}. */
  public BTree(TransactionManager tm, ValueType vt) {
    this.tm = tm;
    this.vt = vt;
  }

  /** The leaf value type. */
  public ValueType valueType() {
    return vt;
  }

  /** The transaction manager. */
  public TransactionManager tm() {
    return tm;
  }

  /** Creates an empty tree (a leaf without entries) and returns its root. */
  public long empty() throws IOException {
    TransactionManager.Block b = tm.newBlock(BlockKind.NODE);
    Nodes.init(b.data(), NodeHeader.LEAF, vt.size());
    return b.location();
  }

  /**
   * Looks {@code key} up; copies its value into {@code out} (at least {@code size} bytes).
   *
   * @return false if the key is absent
   */
  public boolean lookup(long root, long key, byte[] out) throws IOException {
    long b = root;
    while (true) {
      byte[] n = tm.read(b, BlockKind.NODE);
      int i = Nodes.lowerBound(n, key);
      if (Nodes.isLeaf(n)) {
        if (i < 0 || Nodes.key(n, i) != key) {
          return false;
        }
        System.arraycopy(n, Nodes.valueOffset(n, i), out, 0, vt.size());
        return true;
      }
      if (i < 0) {
        return false;
      }
      b = Nodes.value64(n, i);
    }
  }

  /** Looks up an 8-byte value; returns {@code missing} if the key is absent. */
  public long lookup64(long root, long key, long missing) throws IOException {
    long b = root;
    while (true) {
      byte[] n = tm.read(b, BlockKind.NODE);
      int i = Nodes.lowerBound(n, key);
      if (Nodes.isLeaf(n)) {
        return i < 0 || Nodes.key(n, i) != key ? missing : Nodes.value64(n, i);
      }
      if (i < 0) {
        return missing;
      }
      b = Nodes.value64(n, i);
    }
  }

  /** Visits every entry in key order (read only). */
  public void forEach(long root, EntryVisitor v) throws IOException {
    byte[] n = tm.read(root, BlockKind.NODE);
    int nr = Nodes.nrEntries(n);
    if (Nodes.isLeaf(n)) {
      for (int i = 0; i < nr; i++) {
        v.entry(Nodes.key(n, i), n, Nodes.valueOffset(n, i));
      }
      return;
    }
    for (int i = 0; i < nr; i++) {
      forEach(Nodes.value64(n, i), v);
    }
  }

  /**
   * Inserts or overwrites {@code key}. An overwritten value that differs loses its references; the
   * new value's references are the caller's (as in the kernel, the caller already holds them).
   */
  public Insert insert(long root, long key, byte[] value) throws IOException {
    Spine s = new Spine(tm);
    int index = insertRaw(s, root, key, -1);
    return new Insert(s.root(), placeValue(s.current(), index, key, value));
  }

  /** Stores the value in the leaf at the position {@link #insertRaw} found; true if new. */
  boolean placeValue(byte[] leaf, int index, long key, byte[] value) throws IOException {
    boolean fresh = index >= Nodes.nrEntries(leaf) || Nodes.key(leaf, index) != key;
    if (fresh) {
      Nodes.insertAt(leaf, index, key, value, 0);
      return true;
    }
    int off = Nodes.valueOffset(leaf, index);
    if (vt.hasRefs() && !vt.equal(leaf, off, value, 0)) {
      vt.dec(leaf, off);
    }
    System.arraycopy(value, 0, leaf, off, vt.size());
    return false;
  }

  /**
   * Walks {@code s} from {@code root} to the leaf where {@code key} belongs, splitting full nodes,
   * and returns the index in that leaf (the spine's current node) at which the key is or must go.
   *
   * @param parentIndex slot of the spine's current node that must point at this tree's new root, or
   *     -1 if this is the first tree on the spine
   */
  int insertRaw(Spine s, long root, long key, int parentIndex) throws IOException {
    int i = parentIndex;
    boolean top = true;
    long b = root;
    byte[] n;
    while (true) {
      s.step(b, vt);
      if (s.hasParent() && i >= 0) {
        Nodes.setValue64(s.parent(), i, s.currentLocation());
      }
      n = s.current();
      if (Nodes.nrEntries(n) == Nodes.maxEntries(n)) {
        if (top) {
          splitBeneath(s);
        } else {
          splitSibling(s, i, key);
        }
      }
      n = s.current();
      i = Nodes.lowerBound(n, key);
      if (Nodes.isLeaf(n)) {
        break;
      }
      if (i < 0) {
        // The key is below every key here: lower the first key so that it stays a lower bound.
        Nodes.setKey(n, 0, key);
        i = 0;
      }
      b = Nodes.value64(n, i);
      top = false;
    }
    if (i < 0 || Nodes.key(n, i) != key) {
      i++;
    }
    return i;
  }

  /** Splits the full root into two new children, keeping the root's location. */
  private void splitBeneath(Spine s) throws IOException {
    byte[] pn = s.current();
    int nr = Nodes.nrEntries(pn);
    int nrLeft = nr / 2;
    int nrRight = nr - nrLeft;
    int flags = flags(pn);
    int vs = Nodes.valueSize(pn);
    TransactionManager.Block left = tm.newBlock(BlockKind.NODE);
    TransactionManager.Block right = tm.newBlock(BlockKind.NODE);
    byte[] ln = left.data();
    byte[] rn = right.data();
    Nodes.init(ln, flags, vs);
    Nodes.init(rn, flags, vs);
    copyEntries(pn, 0, ln, 0, nrLeft);
    copyEntries(pn, nrLeft, rn, 0, nrRight);
    Nodes.setNrEntries(ln, nrLeft);
    Nodes.setNrEntries(rn, nrRight);
    byte[] fresh = Nodes.blank();
    System.arraycopy(pn, 0, fresh, 0, Nodes.KEYS);
    System.arraycopy(fresh, 0, pn, 0, Blocks.BLOCK_SIZE);
    Nodes.init(pn, NodeHeader.INTERNAL, 8);
    Nodes.insertAt64(pn, 0, Nodes.key(ln, 0), left.location());
    Nodes.insertAt64(pn, 1, Nodes.key(rn, 0), right.location());
  }

  /** Splits the current full node, giving its upper half to a new right sibling. */
  private void splitSibling(Spine s, int parentIndex, long key) throws IOException {
    byte[] ln = s.current();
    long leftLoc = s.currentLocation();
    int nr = Nodes.nrEntries(ln);
    int nrLeft = nr / 2;
    int nrRight = nr - nrLeft;
    TransactionManager.Block right = tm.newBlock(BlockKind.NODE);
    byte[] rn = right.data();
    Nodes.init(rn, flags(ln), Nodes.valueSize(ln));
    copyEntries(ln, nrLeft, rn, 0, nrRight);
    Nodes.setNrEntries(rn, nrRight);
    Nodes.setNrEntries(ln, nrLeft);
    byte[] pn = s.parent();
    Nodes.setValue64(pn, parentIndex, leftLoc);
    Nodes.insertAt64(pn, parentIndex + 1, Nodes.key(rn, 0), right.location());
    if (Long.compareUnsigned(key, Nodes.key(rn, 0)) >= 0) {
      s.replaceCurrent(right.location(), rn);
    }
  }

  private static int flags(byte[] n) {
    return Nodes.isLeaf(n) ? NodeHeader.LEAF : NodeHeader.INTERNAL;
  }

  private static void copyEntries(byte[] src, int from, byte[] dst, int to, int count) {
    int vs = Nodes.valueSize(src);
    System.arraycopy(src, Nodes.KEYS + 8 * from, dst, Nodes.KEYS + 8 * to, 8 * count);
    System.arraycopy(
        src, Nodes.valueOffset(src, from), dst, Nodes.valueOffset(dst, to), vs * count);
  }

  /**
   * Inserts {@code (k1, k2)} into a two-level tree: this tree maps {@code k1} to the root of a
   * {@code bottom} tree holding {@code k2}. One spine runs through both levels, so the top-level
   * leaf is shadowed once and patched with the bottom tree's new root; a missing bottom tree is
   * created empty.
   */
  public Insert insertNested(BTree bottom, long root, long k1, long k2, byte[] value)
      throws IOException {
    Spine s = new Spine(tm);
    int index = insertRaw(s, root, k1, -1);
    byte[] n = s.current();
    if (index >= Nodes.nrEntries(n) || Nodes.key(n, index) != k1) {
      long sub = bottom.empty();
      Nodes.insertAt64(n, index, k1, sub);
    }
    long sub = Nodes.value64(n, index);
    int li = bottom.insertRaw(s, sub, k2, index);
    boolean fresh = bottom.placeValue(s.current(), li, k2, value);
    return new Insert(s.root(), fresh);
  }

  /**
   * Removes {@code (k1, k2)} from a two-level tree (see {@link #insertNested}), rebalancing both
   * levels on the way down; returns the new root either way.
   */
  public Remove removeNested(BTree bottom, long root, long k1, long k2) throws IOException {
    Spine s = new Spine(tm);
    int index = removeRaw(s, root, k1, -1);
    byte[] n = s.current();
    if (index < 0 || index >= Nodes.nrEntries(n) || Nodes.key(n, index) != k1) {
      return new Remove(s.root(), false);
    }
    long sub = Nodes.value64(n, index);
    int li = bottom.removeRaw(s, sub, k2, index);
    byte[] leaf = s.current();
    if (li < 0 || li >= Nodes.nrEntries(leaf) || Nodes.key(leaf, li) != k2) {
      return new Remove(s.root(), false);
    }
    if (bottom.vt.hasRefs()) {
      bottom.vt.dec(leaf, Nodes.valueOffset(leaf, li));
    }
    Nodes.deleteAt(leaf, li);
    return new Remove(s.root(), true);
  }

  /** Removes {@code key} if present; returns the new root either way. */
  public Remove remove(long root, long key) throws IOException {
    Spine s = new Spine(tm);
    int index = removeRaw(s, root, key, -1);
    byte[] n = s.current();
    if (index < 0 || index >= Nodes.nrEntries(n) || Nodes.key(n, index) != key) {
      return new Remove(s.root(), false);
    }
    if (vt.hasRefs()) {
      vt.dec(n, Nodes.valueOffset(n, index));
    }
    Nodes.deleteAt(n, index);
    return new Remove(s.root(), true);
  }

  /**
   * Walks {@code s} from {@code root} towards {@code key}, rebalancing the children of every
   * internal node passed, and returns the key's index in the leaf reached (lower bound; the caller
   * checks for an exact match).
   *
   * @param parentIndex as for {@link #insertRaw}
   */
  int removeRaw(Spine s, long root, long key, int parentIndex) throws IOException {
    int i = parentIndex;
    long b = root;
    while (true) {
      s.step(b, vt);
      if (s.hasParent() && i >= 0) {
        Nodes.setValue64(s.parent(), i, s.currentLocation());
      }
      byte[] n = s.current();
      if (Nodes.isLeaf(n)) {
        return Nodes.lowerBound(n, key);
      }
      if (!rebalanceChildren(s, key)) {
        return -1;
      }
      n = s.current();
      if (Nodes.isLeaf(n)) {
        return Nodes.lowerBound(n, key);
      }
      i = Nodes.lowerBound(n, key);
      b = Nodes.value64(n, i);
    }
  }

  /** Rebalances around the child of the current node that holds {@code key}; false if none. */
  private boolean rebalanceChildren(Spine s, long key) throws IOException {
    byte[] n = s.current();
    if (Nodes.nrEntries(n) == 1) {
      // A single child: this node takes over its contents and the child is dropped.
      long b = Nodes.value64(n, 0);
      byte[] child = tm.read(b, BlockKind.NODE);
      boolean shared = tm.spaceMap().countIsMoreThanOne(b);
      System.arraycopy(child, 0, n, 0, Blocks.BLOCK_SIZE);
      if (shared) {
        // The copy holds references of its own to what the shared child points at.
        incChildren(tm, n, vt);
      }
      tm.dec(b);
      return true;
    }
    int i = Nodes.lowerBound(n, key);
    if (i < 0) {
      return false;
    }
    boolean hasLeft = i > 0;
    boolean hasRight = i < Nodes.nrEntries(n) - 1;
    if (!hasLeft) {
      rebalance2(n, i);
    } else if (!hasRight) {
      rebalance2(n, i - 1);
    } else {
      rebalance3(n, i - 1);
    }
    return true;
  }

  /** A child shadowed for rebalancing. */
  private static final class Child {
    int index;
    final long location;
    final byte[] n;

    Child(int index, long location, byte[] n) {
      this.index = index;
      this.location = location;
      this.n = n;
    }
  }

  private Child child(byte[] parent, int index) throws IOException {
    long b = Nodes.value64(parent, index);
    TransactionManager.Shadow s = tm.shadow(b, BlockKind.NODE);
    if (s.incChildren()) {
      incChildren(tm, s.data(), vt);
    }
    Nodes.setValue64(parent, index, s.location());
    return new Child(index, s.location(), s.data());
  }

  private void rebalance2(byte[] parent, int leftIndex) throws IOException {
    Child l = child(parent, leftIndex);
    Child r = child(parent, leftIndex + 1);
    rebalance2(parent, l, r);
  }

  private void rebalance2(byte[] parent, Child l, Child r) throws IOException {
    int nrLeft = Nodes.nrEntries(l.n);
    int nrRight = Nodes.nrEntries(r.n);
    int threshold = 2 * (mergeThreshold(l.n) + 1);
    if (nrLeft + nrRight < threshold) {
      // Merge right into left; right's children now belong to left, only right itself goes.
      Nodes.nodeCopy(l.n, r.n, -nrRight);
      Nodes.setNrEntries(l.n, nrLeft + nrRight);
      Nodes.deleteAt(parent, r.index);
      tm.dec(r.location);
    } else {
      int targetLeft = (nrLeft + nrRight) / 2;
      Nodes.shift(l.n, r.n, nrLeft - targetLeft);
      Nodes.setKey(parent, r.index, Nodes.key(r.n, 0));
    }
  }

  private void rebalance3(byte[] parent, int leftIndex) throws IOException {
    Child l = child(parent, leftIndex);
    Child c = child(parent, leftIndex + 1);
    Child r = child(parent, leftIndex + 2);
    int nrLeft = Nodes.nrEntries(l.n);
    int nrCenter = Nodes.nrEntries(c.n);
    int nrRight = Nodes.nrEntries(r.n);
    int threshold = mergeThreshold(l.n) * 4 + 1;
    if (nrLeft + nrCenter + nrRight < threshold) {
      deleteCenter(parent, l, c, r, nrLeft, nrCenter, nrRight);
    } else {
      redistribute3(parent, l, c, r, nrLeft, nrCenter, nrRight);
    }
  }

  /** Empties the center child into its siblings, drops it, then rebalances the remaining two. */
  private void deleteCenter(
      byte[] parent, Child l, Child c, Child r, int nrLeft, int nrCenter, int nrRight)
      throws IOException {
    int max = Nodes.maxEntries(l.n);
    int toLeft = Math.min(max - nrLeft, nrCenter);
    Nodes.nodeCopy(l.n, c.n, -toLeft);
    Nodes.setNrEntries(l.n, nrLeft + toLeft);
    if (toLeft != nrCenter) {
      int toRight = nrCenter - toLeft;
      Nodes.nodeShift(r.n, toRight);
      // The last toRight entries of the center go to the front of the right sibling.
      Nodes.nodeCopy(c.n, r.n, toRight);
      Nodes.setNrEntries(r.n, nrRight + toRight);
    }
    Nodes.setKey(parent, r.index, Nodes.key(r.n, 0));
    Nodes.deleteAt(parent, c.index);
    r.index--;
    tm.dec(c.location);
    rebalance2(parent, l, r);
  }

  /** Spreads the entries of three siblings evenly (the left one takes any remainder). */
  private void redistribute3(
      byte[] parent, Child l, Child c, Child r, int nrLeft, int nrCenter, int nrRight) {
    int total = nrLeft + nrCenter + nrRight;
    int targetRight = total / 3;
    int remainder = targetRight * 3 != total ? 1 : 0;
    int targetLeft = targetRight + remainder;
    if (nrLeft < nrRight) {
      int s = nrLeft - targetLeft;
      if (s < 0 && nrCenter < -s) {
        // The center cannot fill the left alone: it empties into the left, the right gives more.
        Nodes.shift(l.n, c.n, -nrCenter);
        s += nrCenter;
        Nodes.shift(l.n, r.n, s);
        nrRight += s;
      } else {
        Nodes.shift(l.n, c.n, s);
      }
      Nodes.shift(c.n, r.n, targetRight - nrRight);
    } else {
      int s = targetRight - nrRight;
      if (s > 0 && nrCenter < s) {
        // The center cannot fill the right alone: it empties into the right, the left gives more.
        Nodes.shift(c.n, r.n, nrCenter);
        s -= nrCenter;
        Nodes.shift(l.n, r.n, s);
        nrLeft -= s;
      } else {
        Nodes.shift(c.n, r.n, s);
      }
      Nodes.shift(l.n, c.n, nrLeft - targetLeft);
    }
    Nodes.setKey(parent, c.index, Nodes.key(c.n, 0));
    Nodes.setKey(parent, r.index, Nodes.key(r.n, 0));
  }

  private static int mergeThreshold(byte[] n) {
    return Nodes.maxEntries(n) / 3;
  }

  /**
   * Deletes a whole tree: a shared node only loses a reference; an unshared one first releases its
   * children (or, for a leaf, its values' references) and then goes.
   */
  public void delete(long root) throws IOException {
    if (tm.spaceMap().countIsMoreThanOne(root)) {
      tm.dec(root);
      return;
    }
    byte[] n = tm.read(root, BlockKind.NODE);
    int nr = Nodes.nrEntries(n);
    if (!Nodes.isLeaf(n)) {
      for (int i = 0; i < nr; i++) {
        delete(Nodes.value64(n, i));
      }
    } else if (vt.hasRefs()) {
      for (int i = 0; i < nr; i++) {
        vt.dec(n, Nodes.valueOffset(n, i));
      }
    }
    tm.dec(root);
  }

  /** Adds a reference to everything a freshly copied shared node points at. */
  static void incChildren(TransactionManager tm, byte[] n, ValueType vt) throws IOException {
    int nr = Nodes.nrEntries(n);
    if (!Nodes.isLeaf(n)) {
      for (int i = 0; i < nr; i++) {
        tm.inc(Nodes.value64(n, i));
      }
    } else if (vt.hasRefs()) {
      for (int i = 0; i < nr; i++) {
        vt.inc(n, Nodes.valueOffset(n, i));
      }
    }
  }
}
