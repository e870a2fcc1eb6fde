package org.thinmeta.e2e;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.thinmeta.pdata.btree.NodeHeader;
import org.thinmeta.pdata.checksum.BlockKind;
import org.thinmeta.pdata.checksum.Checksums;
import org.thinmeta.pdata.io.Blocks;
import org.thinmeta.pdata.io.FileBlockDevice;
import org.thinmeta.pdata.spacemap.Bitmap;
import org.thinmeta.pdata.spacemap.IndexEntry;
import org.thinmeta.pdata.spacemap.SmRoot;
import org.thinmeta.thin.format.BlockTime;
import org.thinmeta.thin.format.DeviceDetails;
import org.thinmeta.thin.format.Superblock;

/**
 * Writes a large, valid, kernel-like pool for measurements: an origin (dev 1) of {@code n} mappings
 * in runs of 8 contiguous data blocks, and {@code snapshots} snapshots (dev 2..) that share the
 * origin's tree except for about 1% of its leaves each, which they hold as their own copies (half
 * of each copy's mappings moved to new data blocks), with copied internal nodes on the paths to
 * them, as the kernel's copy-on-write leaves things. Both space maps are written from the reference
 * counts (format doc §6), overflow trees included.
 */
final class BigPool {
  static final int LEAF_FILL = 189;
  private static final int MAX8 = NodeHeader.maxEntriesFor(8);

  private final FileBlockDevice dev;
  private final int[] meta;
  private final byte[] data;
  private long next = 1;

  private BigPool(FileBlockDevice dev, long nrData) {
    this.dev = dev;
    this.meta = new int[(int) dev.nrBlocks()];
    this.data = new byte[(int) nrData];
  }

  /** {@code BigPool FILE [MAPPINGS [SNAPSHOTS]]}: writes a pool for bench/tools-10m.sh. */
  public static void main(String[] args) throws IOException {
    long n = args.length > 1 ? Long.parseLong(args[1]) : 10_000_000L;
    int snapshots = args.length > 2 ? Integer.parseInt(args[2]) : 3;
    write(Path.of(args[0]), n, snapshots, metadataBlocksFor(n));
  }

  /** A metadata size with room for {@code n} origin mappings and their snapshots. */
  static int metadataBlocksFor(long n) {
    return 65536 + (int) (n / 150);
  }

  /** Writes the pool to {@code file} (created, {@code metadataBlocks} blocks long). */
  static void write(Path file, long n, int snapshots, int metadataBlocks) throws IOException {
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.setLength(0);
      raf.setLength((long) metadataBlocks * Blocks.BLOCK_SIZE);
    }
    long groups = n / 8;
    long nrData = n + n / 50 * snapshots + n / 20;
    try (FileBlockDevice dev = FileBlockDevice.open(file, FileBlockDevice.Mode.READ_WRITE, false)) {
      new BigPool(dev, nrData).build(n - n % 8, groups, snapshots, nrData);
      dev.flush();
    }
  }

  private void build(long n, long groups, int snapshots, long nrData) throws IOException {
    // Origin leaves.
    int nrLeaves = (int) ((n + LEAF_FILL - 1) / LEAF_FILL);
    long[] leafLoc = new long[nrLeaves];
    long[] leafKey = new long[nrLeaves];
    for (int i = 0; i < nrLeaves; i++) {
      long from = n * i / nrLeaves;
      int cnt = (int) (n * (i + 1) / nrLeaves - from);
      long[] k = new long[cnt];
      long[] v = new long[cnt];
      for (int j = 0; j < cnt; j++) {
        long t = from + j;
        k[j] = t;
        long g = (t / 8 * 7919 + 13) % groups;
        v[j] = BlockTime.pack(g * 8 + t % 8, 0);
      }
      leafLoc[i] = mappingLeaf(k, v);
      leafKey[i] = from;
    }
    List<long[]> originLevels = new ArrayList<>();
    long originRoot = internalLevels(leafKey, leafLoc, null, originLevels);
    long[] roots = new long[snapshots + 1];
    long[] mapped = new long[snapshots + 1];
    roots[0] = originRoot;
    mapped[0] = n;
    long nextData = n;
    for (int s = 1; s <= snapshots; s++) {
      long[] locs = leafLoc.clone();
      boolean[] changed = new boolean[nrLeaves];
      for (int i = 0; i < nrLeaves; i++) {
        if (i % snapshots == s - 1 && (i / snapshots) % 33 == 7) {
          changed[i] = true;
          long from = n * i / nrLeaves;
          int cnt = (int) (n * (i + 1) / nrLeaves - from);
          long[] k = new long[cnt];
          long[] v = new long[cnt];
          for (int j = 0; j < cnt; j++) {
            long t = from + j;
            k[j] = t;
            long g = (t / 8 * 7919 + 13) % groups;
            v[j] = j % 2 == 0 ? BlockTime.pack(nextData++, s) : BlockTime.pack(g * 8 + t % 8, 0);
          }
          locs[i] = mappingLeaf(k, v);
        }
      }
      roots[s] = internalLevels(leafKey, locs, changed, originLevels);
      mapped[s] = n;
    }
    // Top-level tree and details tree (one leaf each).
    long[] ids = new long[snapshots + 1];
    for (int i = 0; i <= snapshots; i++) {
      ids[i] = i + 1;
      meta[(int) roots[i]]++;
    }
    long topLevel = node(true, ids, 8, (b, off, i) -> b.putLong(off, roots[i]));
    long details =
        node(
            true,
            ids,
            DeviceDetails.SIZE,
            (b, off, i) ->
                new DeviceDetails(mapped[i], i, i, i == 0 ? snapshots : i).encode(b, off));
    meta[(int) topLevel]++;
    meta[(int) details]++;
    meta[0]++;
    // Data space map: overflow tree, bitmaps, index tree.
    long dataRef = overflowTree(data, nrData);
    meta[(int) dataRef]++;
    int dataBitmaps = (int) ((nrData + Bitmap.ENTRIES_PER_BLOCK - 1) / Bitmap.ENTRIES_PER_BLOCK);
    long[] idxKeys = new long[dataBitmaps];
    IndexEntry[] idx = new IndexEntry[dataBitmaps];
    long dataAllocated = 0;
    for (int i = 0; i < dataBitmaps; i++) {
      idxKeys[i] = i;
      long loc = alloc();
      meta[(int) loc]++;
      idx[i] = writeBitmap(loc, i, nrData, b -> data[(int) b]);
    }
    for (byte c : data) {
      if (c != 0) {
        dataAllocated++;
      }
    }
    long dataIndex = tree(idxKeys, IndexEntry.SIZE, (b, off, i) -> idx[i].encode(b, off));
    meta[(int) dataIndex]++;
    // Metadata space map: bitmaps and index block allocated first, then the overflow tree.
    long nrMeta = meta.length;
    int metaBitmaps = (int) ((nrMeta + Bitmap.ENTRIES_PER_BLOCK - 1) / Bitmap.ENTRIES_PER_BLOCK);
    long[] mbLoc = new long[metaBitmaps];
    for (int i = 0; i < metaBitmaps; i++) {
      mbLoc[i] = alloc();
      meta[(int) mbLoc[i]]++;
    }
    long indexBlock = alloc();
    meta[(int) indexBlock]++;
    long metaRef = overflowTreeInt(meta);
    ByteBuffer index = Blocks.allocate();
    index.putLong(8, indexBlock);
    long metaAllocated = 0;
    for (int i = 0; i < meta.length; i++) {
      if (meta[i] != 0) {
        metaAllocated++;
      }
    }
    for (int i = 0; i < metaBitmaps; i++) {
      IndexEntry e = writeBitmap(mbLoc[i], i, nrMeta, b -> (byte) Math.min(meta[(int) b], 100));
      e.encode(index, 16 + i * IndexEntry.SIZE);
    }
    Checksums.stamp(index, BlockKind.INDEX);
    dev.write(indexBlock, index);
    Superblock sb =
        new Superblock(
            0,
            0,
            Superblock.MAGIC,
            2,
            snapshots,
            snapshots + 1,
            0,
            new SmRoot(nrData, dataAllocated, dataIndex, dataRef),
            new SmRoot(nrMeta, metaAllocated, indexBlock, metaRef),
            topLevel,
            details,
            128,
            8,
            nrMeta,
            0,
            0,
            0);
    dev.write(0, sb.encode());
  }

  /** Writes bitmap {@code i} for counts given by {@code count}; returns its index entry. */
  private IndexEntry writeBitmap(
      long loc, int i, long nr, java.util.function.LongFunction<Byte> count) throws IOException {
    ByteBuffer b = Blocks.allocate();
    b.putLong(Bitmap.BLOCKNR_OFFSET, loc);
    long base = (long) i * Bitmap.ENTRIES_PER_BLOCK;
    int used = 0;
    long firstFree = -1;
    for (int j = 0; j < Bitmap.ENTRIES_PER_BLOCK; j++) {
      long blk = base + j;
      int c = blk < nr ? count.apply(blk) : 0;
      if (c != 0) {
        used++;
        Bitmap.set(b, j, Math.min(c, 3));
      } else if (firstFree < 0) {
        firstFree = j;
      }
    }
    Checksums.stamp(b, BlockKind.BITMAP);
    dev.write(loc, b);
    return new IndexEntry(
        loc, Bitmap.ENTRIES_PER_BLOCK - used, firstFree < 0 ? Bitmap.ENTRIES_PER_BLOCK : firstFree);
  }

  private long overflowTree(byte[] counts, long nr) throws IOException {
    List<long[]> kv = new ArrayList<>();
    for (int i = 0; i < nr; i++) {
      if (counts[i] >= 3) {
        kv.add(new long[] {i, counts[i]});
      }
    }
    return refTree(kv);
  }

  private long overflowTreeInt(int[] counts) throws IOException {
    List<long[]> kv = new ArrayList<>();
    for (int i = 0; i < counts.length; i++) {
      if (counts[i] >= 3) {
        kv.add(new long[] {i, counts[i]});
      }
    }
    // The tree's own nodes get count 1 (never overflow), so the entries are final.
    long root = refTree(kv);
    meta[(int) root]++;
    return root;
  }

  private long refTree(List<long[]> kv) throws IOException {
    long[] k = new long[kv.size()];
    for (int i = 0; i < k.length; i++) {
      k[i] = kv.get(i)[0];
    }
    long root = tree(k, 4, (b, off, i) -> b.putInt(off, (int) kv.get(i)[1]));
    return root;
  }

  /** Writes one value. */
  interface Values {
    void put(ByteBuffer b, int off, int i) throws IOException;
  }

  /**
   * A generic btree over sorted keys (leaves balanced, at least half full); counts every child
   * pointer; the root is not counted (its owner does).
   */
  private long tree(long[] keys, int vs, Values values) throws IOException {
    int max = NodeHeader.maxEntriesFor(vs);
    if (keys.length <= max) {
      return node(true, keys, vs, values);
    }
    int nodes = (keys.length + max - 1) / max;
    long[] locs = new long[nodes];
    long[] first = new long[nodes];
    int from = 0;
    for (int i = 0; i < nodes; i++) {
      int cnt = (keys.length - from) / (nodes - i);
      int f = from;
      long[] k = Arrays.copyOfRange(keys, from, from + cnt);
      locs[i] = node(true, k, vs, (b, off, j) -> values.put(b, off, f + j));
      first[i] = keys[from];
      from += cnt;
    }
    return internalOver(first, locs);
  }

  private long internalOver(long[] first, long[] locs) throws IOException {
    while (locs.length > 1) {
      int nodes = (locs.length + MAX8 - 1) / MAX8;
      long[] nl = new long[nodes];
      long[] nf = new long[nodes];
      int from = 0;
      for (int i = 0; i < nodes; i++) {
        int cnt = (locs.length - from) / (nodes - i);
        long[] k = Arrays.copyOfRange(first, from, from + cnt);
        long[] c = Arrays.copyOfRange(locs, from, from + cnt);
        for (long x : c) {
          meta[(int) x]++;
        }
        nl[i] = node(false, k, 8, (b, off, j) -> b.putLong(off, c[j]));
        nf[i] = k[0];
        from += cnt;
      }
      locs = nl;
      first = nf;
    }
    return locs[0];
  }

  /**
   * Internal levels over mapping leaves. For the origin ({@code changed == null}) every node is
   * written and recorded per level in {@code levels}; for a snapshot, a node is rewritten only if a
   * leaf below it changed, else the origin's node is shared.
   */
  private long internalLevels(long[] firstKeys, long[] locs, boolean[] changed, List<long[]> levels)
      throws IOException {
    long[] first = firstKeys;
    long[] cur = locs;
    boolean[] dirty = changed;
    int level = 0;
    while (cur.length > 1) {
      int nodes = (cur.length + LEAF_FILL - 1) / LEAF_FILL;
      long[] nl = new long[nodes];
      long[] nf = new long[nodes];
      boolean[] nd = new boolean[nodes];
      for (int i = 0; i < nodes; i++) {
        int from = (int) ((long) cur.length * i / nodes);
        int to = (int) ((long) cur.length * (i + 1) / nodes);
        boolean anyDirty = false;
        if (dirty != null) {
          for (int j = from; j < to; j++) {
            anyDirty |= dirty[j];
          }
        }
        nf[i] = first[from];
        if (dirty != null && !anyDirty) {
          // Shared with the origin: referenced by this snapshot only if its parent is new
          // (counted when that parent is written).
          nl[i] = levels.get(level)[i];
          continue;
        }
        long[] k = Arrays.copyOfRange(first, from, to);
        long[] c = Arrays.copyOfRange(cur, from, to);
        for (long x : c) {
          meta[(int) x]++;
        }
        nl[i] = node(false, k, 8, (b, off, j) -> b.putLong(off, c[j]));
        nd[i] = true;
      }
      if (changed == null) {
        levels.add(nl);
      }
      first = nf;
      cur = nl;
      dirty = changed == null ? null : nd;
      level++;
    }
    return cur[0];
  }

  private long mappingLeaf(long[] keys, long[] values) throws IOException {
    for (long v : values) {
      long d = BlockTime.dataBlock(v);
      if (data[(int) d] < 100) {
        data[(int) d]++;
      }
    }
    return node(true, keys, 8, (b, off, i) -> b.putLong(off, values[i]));
  }

  private long node(boolean leaf, long[] keys, int vs, Values values) throws IOException {
    long loc = alloc();
    ByteBuffer b = Blocks.allocate();
    int max = NodeHeader.maxEntriesFor(vs);
    new NodeHeader(leaf ? NodeHeader.LEAF : NodeHeader.INTERNAL, loc, keys.length, max, vs)
        .encode(b);
    for (int i = 0; i < keys.length; i++) {
      b.putLong(NodeHeader.SIZE + 8 * i, keys[i]);
      values.put(b, NodeHeader.SIZE + 8 * max + vs * i, i);
    }
    Checksums.stamp(b, BlockKind.NODE);
    dev.write(loc, b);
    return loc;
  }

  private long alloc() {
    if (next >= meta.length) {
      throw new IllegalStateException("metadata full at " + next + " blocks");
    }
    return next++;
  }
}
