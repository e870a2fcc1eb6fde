package org.thinmeta.pdata.sm;

import java.io.IOException;
import java.util.Arrays;
import java.util.BitSet;
import org.thinmeta.pdata.checksum.BlockKind;
import org.thinmeta.pdata.cow.BTree;
import org.thinmeta.pdata.cow.ValueType;
import org.thinmeta.pdata.damage.CorruptMetadataException;
import org.thinmeta.pdata.spacemap.Bitmap;
import org.thinmeta.pdata.tm.LeBytes;
import org.thinmeta.pdata.tm.TransactionManager;

/**
 * The on-disk counts of one space map (the kernel's ll_disk): 2-bit entries in bitmap blocks, an
 * index entry per bitmap (held in memory, written at commit by the subclass), and the overflow
 * ref-count btree for counts of three and more. A frozen {@link #copy} serves as the "old" state:
 * it reads only committed blocks, which the transaction never overwrites.
 */
abstract class LowLevel {
  static final int ENTRIES = Bitmap.ENTRIES_PER_BLOCK;
  static final int WORDS_OFFSET = Bitmap.DATA_OFFSET;
  private static final long ZERO_PAIRS = 0x5555555555555555L;

  /** Thrown by a decrement that would take a count below zero; nothing was changed. */
  static final class BelowZeroException extends IOException {
    private static final long serialVersionUID = 1L;
    final long block;

    BelowZeroException(long block) {
      super("unable to decrement a reference count below 0 (block " + block + ")");
      this.block = block;
    }
  }

  final TransactionManager tm;
  final BTree refTree;
  long nrBlocks;
  long nrAllocated;
  long bitmapRoot;
  long refCountRoot;
  long[] ieBlock;
  int[] ieNrFree;
  int[] ieNoneFreeBefore;
  BitSet ieDirty = new BitSet();

  LowLevel(TransactionManager tm) {
    this.tm = tm;
    this.refTree = new BTree(tm, ValueType.plain(4));
    ieBlock = new long[0];
    ieNrFree = new int[0];
    ieNoneFreeBefore = new int[0];
  }

  /** A frozen copy of this state (the "old" space map of the next transaction). */
  abstract LowLevel copy();

  /** Writes the index (the metadata index block, or dirty entries into the data index btree). */
  abstract void commitIndex() throws IOException;

  /** Most bitmaps the index can describe. */
  abstract long maxBitmaps();

  void copyInto(LowLevel c) {
    c.nrBlocks = nrBlocks;
    c.nrAllocated = nrAllocated;
    c.bitmapRoot = bitmapRoot;
    c.refCountRoot = refCountRoot;
    c.ieBlock = ieBlock.clone();
    c.ieNrFree = ieNrFree.clone();
    c.ieNoneFreeBefore = ieNoneFreeBefore.clone();
  }

  int nrBitmaps() {
    return ieBlock.length;
  }

  void setIndexEntries(int n) {
    ieBlock = Arrays.copyOf(ieBlock, n);
    ieNrFree = Arrays.copyOf(ieNrFree, n);
    ieNoneFreeBefore = Arrays.copyOf(ieNoneFreeBefore, n);
  }

  static int entry(byte[] bm, int bit) {
    long word = LeBytes.getLong(bm, WORDS_OFFSET + 8 * (bit >>> 5));
    int shift = (bit & 31) * 2;
    int hi = (int) (word >>> shift) & 1;
    int lo = (int) (word >>> (shift + 1)) & 1;
    return (hi << 1) | lo;
  }

  static void setEntry(byte[] bm, int bit, int v) {
    int off = WORDS_OFFSET + 8 * (bit >>> 5);
    long word = LeBytes.getLong(bm, off);
    int shift = (bit & 31) * 2;
    word &= ~(3L << shift);
    word |= ((long) ((v >>> 1) & 1) | ((long) (v & 1) << 1)) << shift;
    LeBytes.putLong(bm, off, word);
  }

  /** Mask with bit 2j set for every zero entry j of a bitmap word. */
  static long zeroEntries(long word) {
    return ~(word | (word >>> 1)) & ZERO_PAIRS;
  }

  byte[] bitmap(int index) throws IOException {
    return tm.read(ieBlock[index], BlockKind.BITMAP);
  }

  /** The 2-bit entry of {@code b} (3 = look in the ref-count tree). */
  int bitmapValue(long b) throws IOException {
    check(b);
    return entry(bitmap((int) (b / ENTRIES)), (int) (b % ENTRIES));
  }

  /** The count of {@code b}. */
  long lookup(long b) throws IOException {
    int v = bitmapValue(b);
    return v < 3 ? v : overflow(b);
  }

  private long overflow(long b) throws IOException {
    byte[] out = new byte[4];
    if (!refTree.lookup(refCountRoot, b, out)) {
      throw new CorruptMetadataException(
          "block " + b + " has count 3+ in its bitmap but no entry in the ref-count tree");
    }
    return Integer.toUnsignedLong(LeBytes.getInt(out, 0));
  }

  private void check(long b) {
    if (b < 0 || b >= nrBlocks) {
      throw new IllegalArgumentException(
          "block " + b + " is beyond the space map (" + nrBlocks + ")");
    }
  }

  /**
   * Changes the count of {@code b} to {@code old + delta}, or to {@code value} if {@code set}; the
   * bitmap is shadowed first, counts above two go to the ref-count tree, and nr_allocated and the
   * index entry's hints follow. Returns the old count.
   */
  long mutate(long b, long delta, boolean set, long value) throws IOException {
    check(b);
    int index = (int) (b / ENTRIES);
    int bit = (int) (b % ENTRIES);
    TransactionManager.Shadow s = tm.shadow(ieBlock[index], BlockKind.BITMAP);
    ieBlock[index] = s.location();
    ieDirty.set(index);
    byte[] bm = s.data();
    int old2 = entry(bm, bit);
    long old = old2 < 3 ? old2 : overflow(b);
    long now = set ? value : old + delta;
    if (now < 0) {
      throw new BelowZeroException(b);
    }
    if (now > 0xFFFFFFFFL) {
      throw new IllegalStateException("reference count of block " + b + " overflows");
    }
    if (now <= 2) {
      setEntry(bm, bit, (int) now);
      if (old > 2) {
        refCountRoot = refTree.remove(refCountRoot, b).root();
      }
    } else {
      setEntry(bm, bit, 3);
      if (old != now) {
        byte[] v = new byte[4];
        LeBytes.putInt(v, 0, (int) now);
        refCountRoot = refTree.insert(refCountRoot, b, v).root();
      }
    }
    if (now > 0 && old == 0) {
      nrAllocated++;
      ieNrFree[index]--;
      if (ieNoneFreeBefore[index] == bit) {
        ieNoneFreeBefore[index] = bit + 1;
      }
    } else if (old > 0 && now == 0) {
      nrAllocated--;
      ieNrFree[index]++;
      ieNoneFreeBefore[index] = Math.min(ieNoneFreeBefore[index], bit);
    }
    return old;
  }

  /** Adds {@code extra} blocks: new zeroed bitmaps with all entries free. */
  void extend(long extra) throws IOException {
    long nr = nrBlocks + extra;
    long bitmaps = (nr + ENTRIES - 1) / ENTRIES;
    if (bitmaps > maxBitmaps()) {
      throw new IOException("space map too large: " + nr + " blocks");
    }
    int old = nrBitmaps();
    nrBlocks = nr;
    setIndexEntries((int) bitmaps);
    for (int i = old; i < bitmaps; i++) {
      TransactionManager.Block b = tm.newBlock(BlockKind.BITMAP);
      ieBlock[i] = b.location();
      ieNrFree[i] = ENTRIES;
      ieNoneFreeBefore[i] = 0;
      ieDirty.set(i);
    }
  }

  /**
   * The first block in {@code [begin, end)} whose count is zero both here and in {@code other}
   * (another state of the same map, e.g. the last committed one; may be null or have fewer
   * bitmaps), or -1. The index hints of both states are used to skip full ranges.
   */
  long findFree(LowLevel other, long begin, long end) throws IOException {
    end = Math.min(end, nrBlocks);
    long b = begin;
    while (b < end) {
      int index = (int) (b / ENTRIES);
      int bit = (int) (b % ENTRIES);
      long limit = Math.min(ENTRIES, end - (long) index * ENTRIES);
      boolean inOther = other != null && index < other.nrBitmaps();
      if (ieNrFree[index] <= 0 || (inOther && other.ieNrFree[index] <= 0)) {
        b = (long) (index + 1) * ENTRIES;
        continue;
      }
      bit = Math.max(bit, Math.min(ieNoneFreeBefore[index], ENTRIES));
      if (inOther) {
        bit = Math.max(bit, Math.min(other.ieNoneFreeBefore[index], ENTRIES));
      }
      if (bit < limit) {
        long found = scan(bitmap(index), inOther ? other.bitmap(index) : null, bit, (int) limit);
        if (found >= 0) {
          return (long) index * ENTRIES + found;
        }
      }
      b = (long) (index + 1) * ENTRIES;
    }
    return -1;
  }

  private static long scan(byte[] bm, byte[] obm, int from, int limit) {
    for (int w = from >>> 5; w * 32 < limit; w++) {
      int off = WORDS_OFFSET + 8 * w;
      long z = zeroEntries(LeBytes.getLong(bm, off));
      if (obm != null) {
        z &= zeroEntries(LeBytes.getLong(obm, off));
      }
      if (w == from >>> 5) {
        z &= -1L << ((from & 31) * 2);
      }
      if (z != 0) {
        int j = w * 32 + Long.numberOfTrailingZeros(z) / 2;
        return j < limit ? j : -1;
      }
    }
    return -1;
  }
}
