package org.thinmeta.repair.check;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.LongUnaryOperator;
import org.thinmeta.pdata.btree.NodeHeader;
import org.thinmeta.pdata.checksum.BlockKind;
import org.thinmeta.pdata.checksum.Checksums;
import org.thinmeta.pdata.io.BlockDevice;
import org.thinmeta.pdata.io.Blocks;
import org.thinmeta.pdata.spacemap.Bitmap;
import org.thinmeta.pdata.spacemap.IndexEntry;
import org.thinmeta.pdata.spacemap.SmRoot;
import org.thinmeta.thin.format.BlockTime;
import org.thinmeta.thin.format.DeviceDetails;
import org.thinmeta.thin.format.Superblock;

/**
 * Test-only writer of valid thin metadata, node by node, so that tests can build exactly the
 * sharing they need (snapshots sharing roots, internal nodes or leaves; a metadata snapshot). Every
 * pointer written counts one reference to its target and every distinct mapping leaf one reference
 * to each data block it maps (format doc §6); {@link #finish} writes both space maps from those
 * counts and the superblock last.
 */
final class PoolBuilder {
  static final int MAPPING_MAX = NodeHeader.maxEntriesFor(8);

  private final BlockDevice dev;
  private final long nrMetadataBlocks;
  private final long nrDataBlocks;
  private final int[] metaCounts;
  private final int[] dataCounts;
  private long next = 1;

  /** A builder writing to {@code dev} (zero-filled), for a pool of {@code nrDataBlocks}. */
  PoolBuilder(BlockDevice dev, long nrDataBlocks) {
    this.dev = dev;
    this.nrMetadataBlocks = Math.min(dev.nrBlocks(), ThinChecker.MAX_METADATA_BLOCKS);
    this.nrDataBlocks = nrDataBlocks;
    this.metaCounts = new int[Math.toIntExact(nrMetadataBlocks)];
    this.dataCounts = new int[Math.toIntExact(nrDataBlocks)];
  }

  /** The device written to. */
  BlockDevice device() {
    return dev;
  }

  /** The next block that will be allocated. */
  long nextFree() {
    return next;
  }

  /** Allocates a metadata block. */
  long alloc() {
    if (next >= nrMetadataBlocks) {
      throw new IllegalStateException("metadata full at " + next + " blocks");
    }
    return next++;
  }

  /** Adds one reference to a metadata block (a pointer written somewhere). */
  void refMeta(long loc) {
    metaCounts[(int) loc]++;
  }

  /** Writes a node; {@code values} is called for each entry with the buffer and value offset. */
  long node(boolean leaf, long[] keys, int valueSize, ValueWriter values) {
    long loc = alloc();
    ByteBuffer b = Blocks.allocate();
    int max = NodeHeader.maxEntriesFor(valueSize);
    new NodeHeader(leaf ? NodeHeader.LEAF : NodeHeader.INTERNAL, loc, keys.length, max, valueSize)
        .encode(b);
    int valuesAt = NodeHeader.SIZE + 8 * max;
    for (int i = 0; i < keys.length; i++) {
      b.putLong(NodeHeader.SIZE + 8 * i, keys[i]);
      values.write(b, valuesAt + valueSize * i, i);
    }
    Checksums.stamp(b, BlockKind.NODE);
    write(loc, b);
    return loc;
  }

  /** Writes one value of a node. */
  interface ValueWriter {
    /** Writes value {@code i} at {@code offset}. */
    void write(ByteBuffer b, int offset, int i);
  }

  /** An internal node over {@code children}, counting a reference to each. */
  long internal(long[] keys, long[] children) {
    for (long c : children) {
      refMeta(c);
    }
    return node(false, keys, 8, (b, off, i) -> b.putLong(off, children[i]));
  }

  /** A bottom-level leaf mapping {@code thin[i]} to {@code data[i]} at {@code time}. */
  long mappingLeaf(long[] thin, long[] data, long time) {
    for (long d : data) {
      dataCounts[(int) d]++;
    }
    return node(true, thin, 8, (b, off, i) -> b.putLong(off, BlockTime.pack(data[i], time)));
  }

  /**
   * A bottom-level tree of {@code n} mappings, thin block {@code thin(i)} to data block {@code
   * data(i)}, leaves as full as the kernel's balance allows; returns the root (not counted: the
   * top-level leaf that points at it counts it).
   */
  long mappingTree(long n, LongUnaryOperator thin, LongUnaryOperator data, long time) {
    if (n == 0) {
      return mappingLeaf(new long[0], new long[0], time);
    }
    return upperLevels(mappingLeaves(n, thin, data, time));
  }

  /** The leaves of {@link #mappingTree}, as (first key, location) pairs. */
  List<long[]> mappingLeaves(long n, LongUnaryOperator thin, LongUnaryOperator data, long time) {
    List<long[]> level = new ArrayList<>();
    long leaves = (n + MAPPING_MAX - 1) / MAPPING_MAX;
    long done = 0;
    for (long l = 0; l < leaves; l++) {
      int size = (int) ((n - done) / (leaves - l));
      long[] t = new long[size];
      long[] d = new long[size];
      for (int i = 0; i < size; i++) {
        t[i] = thin.applyAsLong(done + i);
        d[i] = data.applyAsLong(done + i);
      }
      done += size;
      level.add(new long[] {t[0], mappingLeaf(t, d, time)});
    }
    return level;
  }

  /** Builds internal levels over (first key, location) pairs until one root is left. */
  long upperLevels(List<long[]> level) {
    while (level.size() > 1) {
      List<long[]> up = new ArrayList<>();
      int groups = (level.size() + MAPPING_MAX - 1) / MAPPING_MAX;
      int done = 0;
      for (int g = 0; g < groups; g++) {
        int size = (level.size() - done) / (groups - g);
        long[] keys = new long[size];
        long[] children = new long[size];
        for (int i = 0; i < size; i++) {
          keys[i] = level.get(done + i)[0];
          children[i] = level.get(done + i)[1];
        }
        done += size;
        up.add(new long[] {keys[0], internal(keys, children)});
      }
      level = up;
    }
    return level.get(0)[1];
  }

  /** A one-level-or-more tree of fixed-size values, keys ascending. */
  private long valueTree(long[] keys, int valueSize, ValueWriter values) {
    int max = NodeHeader.maxEntriesFor(valueSize);
    if (keys.length <= max) {
      return node(true, keys, valueSize, values);
    }
    List<long[]> level = new ArrayList<>();
    int leaves = (keys.length + max - 1) / max;
    int done = 0;
    for (int l = 0; l < leaves; l++) {
      int size = (keys.length - done) / (leaves - l);
      long[] k = new long[size];
      System.arraycopy(keys, done, k, 0, size);
      int base = done;
      level.add(
          new long[] {
            k[0], node(true, k, valueSize, (b, off, i) -> values.write(b, off, base + i))
          });
      done += size;
    }
    return upperLevels(level);
  }

  /** The device-details tree. */
  long detailsTree(SortedMap<Long, DeviceDetails> details) {
    long[] keys = details.keySet().stream().mapToLong(Long::longValue).toArray();
    DeviceDetails[] v = details.values().toArray(new DeviceDetails[0]);
    return valueTree(keys, DeviceDetails.SIZE, (b, off, i) -> v[i].encode(b, off));
  }

  /** The top-level mapping tree; counts a reference to each bottom-level root. */
  long topLevelTree(SortedMap<Long, Long> roots) {
    long[] keys = roots.keySet().stream().mapToLong(Long::longValue).toArray();
    long[] v = roots.values().stream().mapToLong(Long::longValue).toArray();
    for (long r : v) {
      refMeta(r);
    }
    return valueTree(keys, 8, (b, off, i) -> b.putLong(off, v[i]));
  }

  /** Writes a metadata-snapshot superblock copy for these roots; returns its location. */
  long metadataSnapshot(long detailsRoot, long mappingRoot, long transactionId, long time) {
    long loc = alloc();
    refMeta(loc);
    refMeta(detailsRoot);
    refMeta(mappingRoot);
    SmRoot zero = new SmRoot(0, 0, 0, 0);
    Superblock s =
        new Superblock(
            0,
            loc,
            Superblock.MAGIC,
            2,
            time,
            transactionId,
            0,
            zero,
            zero,
            mappingRoot,
            detailsRoot,
            128,
            8,
            nrMetadataBlocks,
            0,
            0,
            0);
    write(loc, s.encode());
    return loc;
  }

  /** Writes both space maps and then the superblock. */
  Superblock finish(
      long detailsRoot,
      long mappingRoot,
      long metadataSnap,
      long transactionId,
      long time,
      int flags) {
    refMeta(0);
    refMeta(detailsRoot);
    refMeta(mappingRoot);
    SmRoot data = writeDataSpaceMap();
    SmRoot meta = writeMetadataSpaceMap();
    Superblock s =
        new Superblock(
            flags,
            0,
            Superblock.MAGIC,
            2,
            time,
            transactionId,
            metadataSnap,
            data,
            meta,
            mappingRoot,
            detailsRoot,
            128,
            8,
            nrMetadataBlocks,
            0,
            0,
            0);
    write(0, s.encode());
    return s;
  }

  private SmRoot writeDataSpaceMap() {
    int nrBitmaps =
        (int) ((nrDataBlocks + Bitmap.ENTRIES_PER_BLOCK - 1) / Bitmap.ENTRIES_PER_BLOCK);
    long[] bitmaps = new long[nrBitmaps];
    for (int i = 0; i < nrBitmaps; i++) {
      bitmaps[i] = alloc();
      refMeta(bitmaps[i]);
    }
    long allocated = 0;
    SortedMap<Long, Long> overflow = new TreeMap<>();
    IndexEntry[] entries = new IndexEntry[nrBitmaps];
    for (int i = 0; i < nrBitmaps; i++) {
      long base = (long) i * Bitmap.ENTRIES_PER_BLOCK;
      int n = (int) Math.min(Bitmap.ENTRIES_PER_BLOCK, nrDataBlocks - base);
      int[] counts = new int[n];
      for (int j = 0; j < n; j++) {
        counts[j] = dataCounts[(int) (base + j)];
      }
      entries[i] = writeBitmap(bitmaps[i], counts, base, overflow);
      for (int c : counts) {
        allocated += c > 0 ? 1 : 0;
      }
    }
    long[] keys = new long[nrBitmaps];
    for (int i = 0; i < nrBitmaps; i++) {
      keys[i] = i;
    }
    long indexRoot = valueTree(keys, IndexEntry.SIZE, (b, off, i) -> entries[i].encode(b, off));
    refMeta(indexRoot);
    long refRoot = overflowTree(overflow);
    refMeta(refRoot);
    return new SmRoot(nrDataBlocks, allocated, indexRoot, refRoot);
  }

  private SmRoot writeMetadataSpaceMap() {
    int nrBitmaps =
        (int) ((nrMetadataBlocks + Bitmap.ENTRIES_PER_BLOCK - 1) / Bitmap.ENTRIES_PER_BLOCK);
    long index = alloc();
    refMeta(index);
    long[] bitmaps = new long[nrBitmaps];
    for (int i = 0; i < nrBitmaps; i++) {
      bitmaps[i] = alloc();
      refMeta(bitmaps[i]);
    }
    SortedMap<Long, Long> overflow = new TreeMap<>();
    for (int b = 0; b < metaCounts.length; b++) {
      if (metaCounts[b] >= 3) {
        overflow.put((long) b, (long) metaCounts[b]);
      }
    }
    long refRoot = overflowTree(overflow);
    refMeta(refRoot);
    ByteBuffer ib = Blocks.allocate();
    ib.putLong(8, index);
    long allocated = 0;
    for (int i = 0; i < nrBitmaps; i++) {
      long base = (long) i * Bitmap.ENTRIES_PER_BLOCK;
      int n = (int) Math.min(Bitmap.ENTRIES_PER_BLOCK, nrMetadataBlocks - base);
      int[] counts = new int[n];
      for (int j = 0; j < n; j++) {
        counts[j] = metaCounts[(int) (base + j)];
        allocated += counts[j] > 0 ? 1 : 0;
      }
      writeBitmap(bitmaps[i], counts, base, null).encode(ib, 16 + i * IndexEntry.SIZE);
    }
    Checksums.stamp(ib, BlockKind.INDEX);
    write(index, ib);
    return new SmRoot(nrMetadataBlocks, allocated, index, refRoot);
  }

  private IndexEntry writeBitmap(long loc, int[] counts, long base, Map<Long, Long> overflow) {
    ByteBuffer b = Blocks.allocate();
    b.putLong(Bitmap.BLOCKNR_OFFSET, loc);
    long free = Bitmap.ENTRIES_PER_BLOCK;
    long firstFree = -1;
    for (int j = 0; j < counts.length; j++) {
      int c = counts[j];
      Bitmap.set(b, j, Math.min(c, 3));
      if (c >= 3 && overflow != null) {
        overflow.put(base + j, (long) c);
      }
      if (c > 0) {
        free--;
      } else if (firstFree < 0) {
        firstFree = j;
      }
    }
    Checksums.stamp(b, BlockKind.BITMAP);
    write(loc, b);
    return new IndexEntry(loc, free, firstFree < 0 ? counts.length : firstFree);
  }

  private long overflowTree(SortedMap<Long, Long> counts) {
    long[] keys = counts.keySet().stream().mapToLong(Long::longValue).toArray();
    long[] v = counts.values().stream().mapToLong(Long::longValue).toArray();
    return valueTree(keys, 4, (b, off, i) -> b.putInt(off, (int) v[i]));
  }

  /** The reference count {@link #finish} wrote for metadata block {@code loc}. */
  int metadataCount(long loc) {
    return metaCounts[(int) loc];
  }

  /** The reference count {@link #finish} wrote for data block {@code block}. */
  int dataCount(long block) {
    return dataCounts[(int) block];
  }

  private void write(long loc, ByteBuffer b) {
    try {
      dev.write(loc, b);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
