package org.thinmeta.pdata.spacemap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.thinmeta.pdata.btree.NodeFault;
import org.thinmeta.pdata.checksum.BlockKind;
import org.thinmeta.pdata.checksum.Checksums;
import org.thinmeta.pdata.damage.CorruptMetadataException;
import org.thinmeta.pdata.damage.Damage;
import org.thinmeta.pdata.io.Blocks;
import org.thinmeta.pdata.io.MemoryBlockDevice;

/**
 * Space maps built by hand: index block at 1, bitmaps at 2 and 6, overflow leaf at 3, data index
 * leaf at 4.
 */
class SpaceMapReaderTest {
  private static final int NR_BLOCKS = 10;
  private final List<Long> refs = new ArrayList<>();
  private final List<Damage> damage = new ArrayList<>();

  private static ByteBuffer indexBlock(long loc, IndexEntry... entries) {
    ByteBuffer b = Blocks.allocate();
    b.putLong(8, loc);
    for (int i = 0; i < entries.length; i++) {
      entries[i].encode(b, 16 + 16 * i);
    }
    Checksums.stamp(b, BlockKind.INDEX);
    return b;
  }

  private static ByteBuffer bitmap(long loc, int... counts) {
    ByteBuffer b = Blocks.allocate();
    b.putLong(8, loc);
    for (int j = 0; j < counts.length; j++) {
      Bitmap.set(b, j, counts[j]);
    }
    Checksums.stamp(b, BlockKind.BITMAP);
    return b;
  }

  /** A leaf written field by field. */
  private static ByteBuffer leaf(long loc, int valueSize, long[] keys, long[] values) {
    int max = (4096 - 32) / (8 + valueSize) / 3 * 3;
    ByteBuffer b = Blocks.allocate();
    b.putInt(4, 2);
    b.putLong(8, loc);
    b.putInt(16, keys.length);
    b.putInt(20, max);
    b.putInt(24, valueSize);
    for (int i = 0; i < keys.length; i++) {
      b.putLong(32 + 8 * i, keys[i]);
      int off = 32 + 8 * max + valueSize * i;
      if (valueSize == 4) {
        b.putInt(off, (int) values[i]);
      } else {
        b.putLong(off, values[i]);
      }
    }
    Checksums.stamp(b, BlockKind.NODE);
    return b;
  }

  private static ByteBuffer dataIndexLeaf(long loc, long[] keys, IndexEntry... entries) {
    ByteBuffer b = leaf(loc, 16, keys, new long[keys.length]);
    for (int i = 0; i < entries.length; i++) {
      entries[i].encode(b, 32 + 8 * 168 + 16 * i);
    }
    Checksums.stamp(b, BlockKind.NODE);
    return b;
  }

  private static MemoryBlockDevice device(ByteBuffer... blocks) throws IOException {
    MemoryBlockDevice dev = new MemoryBlockDevice(NR_BLOCKS);
    for (ByteBuffer b : blocks) {
      dev.write(b.getLong(8), b);
    }
    return dev;
  }

  @Test
  void metadata_indexBitmapAndOverflow() throws IOException {
    IndexEntry e = new IndexEntry(2, 16316, 4);
    MemoryBlockDevice dev =
        device(indexBlock(1, e), bitmap(2, 1, 1, 1, 3), leaf(3, 4, new long[] {3}, new long[] {5}));
    SpaceMapReader r =
        new SpaceMapReader(
            dev, NR_BLOCKS, new SmRoot(NR_BLOCKS, 4, 1, 3), SpaceMapReader.Kind.METADATA);

    assertEquals(1, r.nrBitmaps());
    assertEquals(List.of(e), r.readIndex(refs::add, damage::add));
    ByteBuffer bm = r.readBitmap(0, e);
    OverflowCounts o = r.readOverflow(refs::add, damage::add);

    assertEquals(1, Bitmap.get(bm, 0));
    assertEquals(3, Bitmap.get(bm, 3));
    assertEquals(0, Bitmap.get(bm, 4));
    assertEquals(5, o.lookup(3));
    assertEquals(List.of(1L, 3L), refs);
    assertEquals(List.of(), damage);
  }

  @Test
  void metadata_badIndexChecksum() throws IOException {
    ByteBuffer index = indexBlock(1, new IndexEntry(2, 0, 0));
    index.put(3000, (byte) 1);
    SpaceMapReader r = metadataReader(device(index));

    CorruptMetadataException ex =
        assertThrows(CorruptMetadataException.class, () -> r.readIndex(null, damage::add));
    assertEquals("bad checksum in index block (block 1)", ex.getMessage());
  }

  @Test
  void metadata_indexBlockOfAnotherKind() throws IOException {
    ByteBuffer index = indexBlock(1, new IndexEntry(2, 0, 0));
    Checksums.stamp(index, BlockKind.BITMAP);
    SpaceMapReader r = metadataReader(device(index));

    CorruptMetadataException ex =
        assertThrows(CorruptMetadataException.class, () -> r.readIndex(null, damage::add));
    assertEquals("not an index block (block 1, found BITMAP)", ex.getMessage());
  }

  @Test
  void metadata_indexBlocknrMismatch() throws IOException {
    MemoryBlockDevice dev = new MemoryBlockDevice(NR_BLOCKS);
    dev.write(1, indexBlock(5, new IndexEntry(2, 0, 0)));
    SpaceMapReader r = metadataReader(dev);

    CorruptMetadataException ex =
        assertThrows(CorruptMetadataException.class, () -> r.readIndex(null, damage::add));
    assertEquals("blocknr mismatch in index block (block 1, claims 5)", ex.getMessage());
  }

  @Test
  void metadata_indexBeyondTheMetadata() throws IOException {
    SpaceMapReader r =
        new SpaceMapReader(
            new MemoryBlockDevice(NR_BLOCKS),
            NR_BLOCKS,
            new SmRoot(NR_BLOCKS, 0, 12, 3),
            SpaceMapReader.Kind.METADATA);

    CorruptMetadataException ex =
        assertThrows(CorruptMetadataException.class, () -> r.readIndex(null, damage::add));
    assertEquals("index block 12 out of space map boundary", ex.getMessage());
  }

  @Test
  void bitmap_errorsNameTheBlockAndTheIndexEntry() throws IOException {
    ByteBuffer badSum = bitmap(2, 1);
    badSum.put(100, (byte) 9);
    MemoryBlockDevice dev = device(badSum);
    dev.write(6, indexBlock(6));
    SpaceMapReader r = metadataReader(dev);

    CorruptMetadataException a =
        assertThrows(
            CorruptMetadataException.class, () -> r.readBitmap(0, new IndexEntry(2, 0, 0)));
    CorruptMetadataException b =
        assertThrows(
            CorruptMetadataException.class, () -> r.readBitmap(1, new IndexEntry(6, 0, 0)));
    CorruptMetadataException c =
        assertThrows(
            CorruptMetadataException.class, () -> r.readBitmap(2, new IndexEntry(99, 0, 0)));

    assertEquals("checksum error at block 2, index entry 0", a.getMessage());
    assertEquals(new Damage.BadSpaceMapBlock(2, a.getMessage()), a.damage());
    assertEquals("block 6 of index entry 1 is not a bitmap", b.getMessage());
    assertEquals("bitmap block 99 of index entry 2 out of space map boundary", c.getMessage());
    assertEquals(99, c.damage().location());
  }

  @Test
  void data_indexTreeWithTwoBitmaps() throws IOException {
    IndexEntry e0 = new IndexEntry(2, 0, 16320);
    IndexEntry e1 = new IndexEntry(6, 16000, 0);
    MemoryBlockDevice dev =
        device(
            dataIndexLeaf(4, new long[] {0, 1}, e0, e1), leaf(3, 4, new long[] {}, new long[] {}));
    SpaceMapReader r =
        new SpaceMapReader(
            dev, NR_BLOCKS, new SmRoot(20000, 17000, 4, 3), SpaceMapReader.Kind.DATA);

    assertEquals(2, r.nrBitmaps());
    assertEquals(List.of(e0, e1), r.readIndex(refs::add, damage::add));
    assertEquals(0, r.readOverflow(refs::add, damage::add).size());
    assertEquals(List.of(4L, 3L), refs);
  }

  @Test
  void data_missingIndexEntry() throws IOException {
    MemoryBlockDevice dev = device(dataIndexLeaf(4, new long[] {0}, new IndexEntry(2, 0, 0)));
    SpaceMapReader r =
        new SpaceMapReader(dev, NR_BLOCKS, new SmRoot(20000, 0, 4, 3), SpaceMapReader.Kind.DATA);

    CorruptMetadataException ex =
        assertThrows(CorruptMetadataException.class, () -> r.readIndex(null, damage::add));
    assertEquals("missing index entry 1 in data space map", ex.getMessage());
  }

  @Test
  void data_indexKeyBeyondTheBitmapsNeeded() throws IOException {
    MemoryBlockDevice dev =
        device(
            dataIndexLeaf(4, new long[] {0, 5}, new IndexEntry(2, 0, 0), new IndexEntry(6, 0, 0)));
    SpaceMapReader r =
        new SpaceMapReader(dev, NR_BLOCKS, new SmRoot(100, 0, 4, 3), SpaceMapReader.Kind.DATA);

    CorruptMetadataException ex =
        assertThrows(CorruptMetadataException.class, () -> r.readIndex(null, damage::add));
    assertEquals("unexpected bitmap index 5 in data index", ex.getMessage());
  }

  @Test
  void data_damagedIndexTree_isReportedAndThrown() throws IOException {
    ByteBuffer bad = dataIndexLeaf(4, new long[] {0}, new IndexEntry(2, 0, 0));
    bad.put(4000, (byte) 1);
    MemoryBlockDevice dev = device(bad);
    SpaceMapReader r =
        new SpaceMapReader(dev, NR_BLOCKS, new SmRoot(100, 0, 4, 3), SpaceMapReader.Kind.DATA);

    CorruptMetadataException ex =
        assertThrows(CorruptMetadataException.class, () -> r.readIndex(null, damage::add));
    assertEquals("data space map index tree is damaged", ex.getMessage());
    assertEquals(
        List.of(
            new Damage.BadNode(4, NodeFault.CHECKSUM, null, org.thinmeta.pdata.btree.KeyRange.ALL)),
        damage);
  }

  @Test
  void overflow_damagedTree_isReportedAndThrown() throws IOException {
    MemoryBlockDevice dev = device(leaf(3, 8, new long[] {1}, new long[] {4}));
    SpaceMapReader r = metadataReader(dev);

    CorruptMetadataException ex =
        assertThrows(CorruptMetadataException.class, () -> r.readOverflow(null, damage::add));
    assertEquals("metadata ref-count tree is damaged", ex.getMessage());
    assertEquals(1, damage.size());
    assertEquals(NodeFault.VALUE_SIZE_MISMATCH, ((Damage.BadNode) damage.get(0)).fault());
  }

  private static SpaceMapReader metadataReader(MemoryBlockDevice dev) {
    return new SpaceMapReader(
        dev, NR_BLOCKS, new SmRoot(NR_BLOCKS, 0, 1, 3), SpaceMapReader.Kind.METADATA);
  }
}
