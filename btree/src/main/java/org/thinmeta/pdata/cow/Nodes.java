package org.thinmeta.pdata.cow;

import org.thinmeta.pdata.btree.NodeHeader;
import org.thinmeta.pdata.io.Blocks;
import org.thinmeta.pdata.tm.LeBytes;

/**
 * Field access and entry moves on a btree node held as a byte array (layout of format doc §3.1:
 * 32-byte header, then max_entries keys, then max_entries values).
 */
public final class Nodes {
  static final int FLAGS = 4;
  static final int NR_ENTRIES = 16;
  static final int MAX_ENTRIES = 20;
  static final int VALUE_SIZE = 24;
  static final int KEYS = NodeHeader.SIZE;

  private Nodes() {}

  /** Writes an empty node header (checksum and blocknr are set when the block is written). */
  public static void init(byte[] n, int flags, int valueSize) {
    LeBytes.putInt(n, FLAGS, flags);
    LeBytes.putInt(n, NR_ENTRIES, 0);
    LeBytes.putInt(n, MAX_ENTRIES, NodeHeader.maxEntriesFor(valueSize));
    LeBytes.putInt(n, VALUE_SIZE, valueSize);
    LeBytes.putInt(n, VALUE_SIZE + 4, 0);
  }

  /** True for a leaf. */
  public static boolean isLeaf(byte[] n) {
    return (LeBytes.getInt(n, FLAGS) & NodeHeader.LEAF) != 0;
  }

  /** Number of entries. */
  public static int nrEntries(byte[] n) {
    return LeBytes.getInt(n, NR_ENTRIES);
  }

  static void setNrEntries(byte[] n, int nr) {
    LeBytes.putInt(n, NR_ENTRIES, nr);
  }

  /** Capacity. */
  public static int maxEntries(byte[] n) {
    return LeBytes.getInt(n, MAX_ENTRIES);
  }

  /** Bytes per value. */
  public static int valueSize(byte[] n) {
    return LeBytes.getInt(n, VALUE_SIZE);
  }

  /** Key {@code i}. */
  public static long key(byte[] n, int i) {
    return LeBytes.getLong(n, KEYS + 8 * i);
  }

  static void setKey(byte[] n, int i, long k) {
    LeBytes.putLong(n, KEYS + 8 * i, k);
  }

  /** Offset of value {@code i}. */
  public static int valueOffset(byte[] n, int i) {
    return KEYS + 8 * maxEntries(n) + valueSize(n) * i;
  }

  /** Value {@code i} as a u64 (children of internal nodes, 8-byte leaf values). */
  public static long value64(byte[] n, int i) {
    return LeBytes.getLong(n, valueOffset(n, i));
  }

  static void setValue64(byte[] n, int i, long v) {
    LeBytes.putLong(n, valueOffset(n, i), v);
  }

  /** Value {@code i} as a u32. */
  public static int value32(byte[] n, int i) {
    return LeBytes.getInt(n, valueOffset(n, i));
  }

  /** Index of the last key not above {@code key}, or -1 if every key is above it. */
  public static int lowerBound(byte[] n, long key) {
    int lo = -1;
    int hi = nrEntries(n);
    while (hi - lo > 1) {
      int mid = (lo + hi) >>> 1;
      long k = key(n, mid);
      if (Long.compareUnsigned(k, key) <= 0) {
        lo = mid;
      } else {
        hi = mid;
      }
    }
    return lo;
  }

  /** Opens a gap at {@code index} and stores {@code key} and the value at {@code v[voff..]}. */
  static void insertAt(byte[] n, int index, long key, byte[] v, int voff) {
    int nr = nrEntries(n);
    int max = maxEntries(n);
    if (nr >= max || index < 0 || index > nr) {
      throw new IllegalStateException("insert at " + index + " of a node with " + nr + "/" + max);
    }
    int vs = valueSize(n);
    int move = nr - index;
    if (move > 0) {
      System.arraycopy(n, KEYS + 8 * index, n, KEYS + 8 * (index + 1), 8 * move);
      int vo = valueOffset(n, index);
      System.arraycopy(n, vo, n, vo + vs, vs * move);
    }
    setKey(n, index, key);
    System.arraycopy(v, voff, n, valueOffset(n, index), vs);
    setNrEntries(n, nr + 1);
  }

  /** {@link #insertAt} for an 8-byte value. */
  static void insertAt64(byte[] n, int index, long key, long value) {
    byte[] v = new byte[8];
    LeBytes.putLong(v, 0, value);
    insertAt(n, index, key, v, 0);
  }

  /** Removes entry {@code index}. */
  static void deleteAt(byte[] n, int index) {
    int nr = nrEntries(n);
    if (index < 0 || index >= nr) {
      throw new IllegalStateException("delete at " + index + " of a node with " + nr);
    }
    int vs = valueSize(n);
    int move = nr - index - 1;
    if (move > 0) {
      System.arraycopy(n, KEYS + 8 * (index + 1), n, KEYS + 8 * index, 8 * move);
      int vo = valueOffset(n, index);
      System.arraycopy(n, vo + vs, n, vo, vs * move);
    }
    setNrEntries(n, nr - 1);
  }

  /**
   * Moves the entries of {@code n} within it: a negative {@code shift} drops the first {@code
   * -shift} entries, a positive one opens {@code shift} free slots at the front.
   */
  static void nodeShift(byte[] n, int shift) {
    int nr = nrEntries(n);
    int vs = valueSize(n);
    if (shift < 0) {
      int s = -shift;
      check(s <= nr, "shift beyond the entries");
      System.arraycopy(n, KEYS + 8 * s, n, KEYS, 8 * (nr - s));
      System.arraycopy(n, valueOffset(n, s), n, valueOffset(n, 0), vs * (nr - s));
    } else if (shift > 0) {
      check(nr + shift <= maxEntries(n), "shift beyond the capacity");
      System.arraycopy(n, KEYS, n, KEYS + 8 * shift, 8 * nr);
      System.arraycopy(n, valueOffset(n, 0), n, valueOffset(n, shift), vs * nr);
    }
  }

  /**
   * Copies entries between siblings without changing entry counts: a negative {@code shift} copies
   * the first {@code -shift} entries of {@code right} after the entries of {@code left}; a positive
   * one copies the last {@code shift} entries of {@code left} to the front of {@code right}.
   */
  static void nodeCopy(byte[] left, byte[] right, int shift) {
    int nrLeft = nrEntries(left);
    int vs = valueSize(left);
    check(vs == valueSize(right), "siblings with different value sizes");
    if (shift < 0) {
      int s = -shift;
      check(nrLeft + s <= maxEntries(left), "copy beyond the capacity");
      System.arraycopy(right, KEYS, left, KEYS + 8 * nrLeft, 8 * s);
      System.arraycopy(right, valueOffset(right, 0), left, valueOffset(left, nrLeft), vs * s);
    } else if (shift > 0) {
      check(shift <= maxEntries(right), "copy beyond the capacity");
      System.arraycopy(left, KEYS + 8 * (nrLeft - shift), right, KEYS, 8 * shift);
      System.arraycopy(
          left, valueOffset(left, nrLeft - shift), right, valueOffset(right, 0), vs * shift);
    }
  }

  /**
   * Moves {@code count} entries between adjacent siblings: positive from the end of {@code left} to
   * the front of {@code right}, negative from the front of {@code right} to the end of {@code
   * left}.
   */
  static void shift(byte[] left, byte[] right, int count) {
    int nrLeft = nrEntries(left);
    int nrRight = nrEntries(right);
    int max = maxEntries(left);
    check(max == maxEntries(right), "siblings with different capacities");
    check(nrLeft - count >= 0 && nrLeft - count <= max, "left sibling over- or underflows");
    check(nrRight + count >= 0 && nrRight + count <= max, "right sibling over- or underflows");
    if (count == 0) {
      return;
    }
    if (count > 0) {
      nodeShift(right, count);
      nodeCopy(left, right, count);
    } else {
      nodeCopy(left, right, count);
      nodeShift(right, count);
    }
    setNrEntries(left, nrLeft - count);
    setNrEntries(right, nrRight + count);
  }

  private static void check(boolean ok, String what) {
    if (!ok) {
      throw new IllegalStateException("btree invariant broken: " + what);
    }
  }

  /** A fresh zeroed block buffer. */
  static byte[] blank() {
    return new byte[Blocks.BLOCK_SIZE];
  }
}
