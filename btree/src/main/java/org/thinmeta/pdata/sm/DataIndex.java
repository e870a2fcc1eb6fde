package org.thinmeta.pdata.sm;

import java.io.IOException;
import org.thinmeta.pdata.cow.BTree;
import org.thinmeta.pdata.cow.ValueType;
import org.thinmeta.pdata.damage.CorruptMetadataException;
import org.thinmeta.pdata.spacemap.IndexEntry;
import org.thinmeta.pdata.spacemap.SmRoot;
import org.thinmeta.pdata.tm.LeBytes;
import org.thinmeta.pdata.tm.TransactionManager;

/**
 * Counts indexed by a btree of 16-byte index entries keyed by bitmap number (the data space map,
 * format doc §4.6). Entries changed in a transaction are inserted into the index tree at commit.
 */
final class DataIndex extends LowLevel {
  final BTree indexTree;

  DataIndex(TransactionManager tm) {
    super(tm);
    indexTree = new BTree(tm, ValueType.plain(IndexEntry.SIZE));
  }

  /** A new map of no blocks: an empty index tree and an empty ref-count tree. */
  static DataIndex create(TransactionManager tm) throws IOException {
    DataIndex ll = new DataIndex(tm);
    ll.bitmapRoot = ll.indexTree.empty();
    ll.refCountRoot = ll.refTree.empty();
    return ll;
  }

  /** The committed map at {@code root}. */
  static DataIndex open(TransactionManager tm, SmRoot root) throws IOException {
    DataIndex ll = new DataIndex(tm);
    ll.nrBlocks = root.nrBlocks();
    ll.nrAllocated = root.nrAllocated();
    ll.bitmapRoot = root.bitmapRoot();
    ll.refCountRoot = root.refCountRoot();
    long n = (root.nrBlocks() + ENTRIES - 1) / ENTRIES;
    if (n > Integer.MAX_VALUE) {
      throw new CorruptMetadataException("data space map of " + root.nrBlocks() + " blocks");
    }
    ll.setIndexEntries((int) n);
    java.util.BitSet seen = new java.util.BitSet();
    ll.indexTree.forEach(
        ll.bitmapRoot,
        (key, node, off) -> {
          if (key < 0 || key >= n) {
            throw new CorruptMetadataException("unexpected bitmap index " + key + " in data index");
          }
          int i = (int) key;
          ll.ieBlock[i] = LeBytes.getLong(node, off);
          ll.ieNrFree[i] = LeBytes.getInt(node, off + 8);
          ll.ieNoneFreeBefore[i] = LeBytes.getInt(node, off + 12);
          seen.set(i);
        });
    if (seen.cardinality() != n) {
      throw new CorruptMetadataException(
          "missing index entry " + seen.nextClearBit(0) + " in data space map");
    }
    return ll;
  }

  @Override
  LowLevel copy() {
    DataIndex c = new DataIndex(tm);
    copyInto(c);
    return c;
  }

  @Override
  long maxBitmaps() {
    return Integer.MAX_VALUE;
  }

  @Override
  void commitIndex() throws IOException {
    byte[] v = new byte[IndexEntry.SIZE];
    for (int i = ieDirty.nextSetBit(0); i >= 0; i = ieDirty.nextSetBit(i + 1)) {
      LeBytes.putLong(v, 0, ieBlock[i]);
      LeBytes.putInt(v, 8, ieNrFree[i]);
      LeBytes.putInt(v, 12, ieNoneFreeBefore[i]);
      bitmapRoot = indexTree.insert(bitmapRoot, i, v).root();
    }
    ieDirty.clear();
  }
}
