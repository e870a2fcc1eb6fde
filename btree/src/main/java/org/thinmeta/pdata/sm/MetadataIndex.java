package org.thinmeta.pdata.sm;

import java.io.IOException;
import org.thinmeta.pdata.checksum.BlockKind;
import org.thinmeta.pdata.damage.CorruptMetadataException;
import org.thinmeta.pdata.spacemap.IndexEntry;
import org.thinmeta.pdata.spacemap.SmRoot;
import org.thinmeta.pdata.spacemap.SpaceMapReader;
import org.thinmeta.pdata.tm.LeBytes;
import org.thinmeta.pdata.tm.TransactionManager;

/**
 * Counts indexed by a single index block of 255 entries (the metadata space map, format doc §4.5).
 * The entries live in memory; a commit shadows the index block and writes them into it.
 */
final class MetadataIndex extends LowLevel {
  static final int HEADER = 16;

  MetadataIndex(TransactionManager tm) {
    super(tm);
  }

  /** A new, empty map: an index block and an empty ref-count tree (no blocks yet). */
  static MetadataIndex create(TransactionManager tm) throws IOException {
    MetadataIndex ll = new MetadataIndex(tm);
    ll.bitmapRoot = tm.newBlock(BlockKind.INDEX).location();
    ll.refCountRoot = ll.refTree.empty();
    return ll;
  }

  /** The committed map at {@code root}. */
  static MetadataIndex open(TransactionManager tm, SmRoot root) throws IOException {
    MetadataIndex ll = new MetadataIndex(tm);
    ll.nrBlocks = root.nrBlocks();
    ll.nrAllocated = root.nrAllocated();
    ll.bitmapRoot = root.bitmapRoot();
    ll.refCountRoot = root.refCountRoot();
    long n = (root.nrBlocks() + ENTRIES - 1) / ENTRIES;
    if (n > SpaceMapReader.METADATA_INDEX_ENTRIES) {
      throw new CorruptMetadataException(
          "metadata space map has " + root.nrBlocks() + " blocks, more than one index holds");
    }
    byte[] b = tm.read(root.bitmapRoot(), BlockKind.INDEX);
    ll.setIndexEntries((int) n);
    for (int i = 0; i < n; i++) {
      int off = HEADER + i * IndexEntry.SIZE;
      ll.ieBlock[i] = LeBytes.getLong(b, off);
      ll.ieNrFree[i] = LeBytes.getInt(b, off + 8);
      ll.ieNoneFreeBefore[i] = LeBytes.getInt(b, off + 12);
    }
    return ll;
  }

  @Override
  LowLevel copy() {
    MetadataIndex c = new MetadataIndex(tm);
    copyInto(c);
    return c;
  }

  @Override
  long maxBitmaps() {
    return SpaceMapReader.METADATA_INDEX_ENTRIES;
  }

  @Override
  void commitIndex() throws IOException {
    TransactionManager.Shadow s = tm.shadow(bitmapRoot, BlockKind.INDEX);
    bitmapRoot = s.location();
    byte[] b = s.data();
    for (int i = 0; i < SpaceMapReader.METADATA_INDEX_ENTRIES; i++) {
      int off = HEADER + i * IndexEntry.SIZE;
      boolean used = i < nrBitmaps();
      LeBytes.putLong(b, off, used ? ieBlock[i] : 0);
      LeBytes.putInt(b, off + 8, used ? ieNrFree[i] : 0);
      LeBytes.putInt(b, off + 12, used ? ieNoneFreeBefore[i] : 0);
    }
    ieDirty.clear();
  }
}
