package org.thinmeta.thin.write;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.thinmeta.pdata.btree.AtomicBitSet;
import org.thinmeta.pdata.btree.BTreeWalker;
import org.thinmeta.pdata.btree.NodeChecks;
import org.thinmeta.pdata.btree.RefSink;
import org.thinmeta.pdata.damage.DamageSink;
import org.thinmeta.pdata.io.BlockDevice;
import org.thinmeta.pdata.spacemap.Bitmap;
import org.thinmeta.pdata.spacemap.IndexEntry;
import org.thinmeta.pdata.spacemap.OverflowCounts;
import org.thinmeta.pdata.spacemap.SmRoot;
import org.thinmeta.pdata.spacemap.SpaceMapReader;
import org.thinmeta.thin.format.BlockTime;
import org.thinmeta.thin.format.DeviceDetails;
import org.thinmeta.thin.format.Superblock;
import org.thinmeta.thin.read.MetadataReader;

/**
 * Test-side consistency check of a metadata image, independent of the engine: recounts every
 * reference per format doc §6 (each distinct node expanded once, from the live superblock and the
 * metadata snapshot) and compares with both on-disk space maps; checks every node with all rules
 * (underfull included), nr_allocated, index hints and the overflow trees, and details against
 * mappings. Also extracts the pool's contents for comparison with {@link PoolModel}.
 */
final class Audit {
  /** A device read from the image. */
  record Dev(DeviceDetails details, SortedMap<Long, PoolModel.Mapping> map) {}

  /** What the image holds, and what is wrong with it. */
  record Result(
      Superblock sb,
      SortedMap<Long, Dev> devices,
      Superblock snap,
      SortedMap<Long, Dev> snapDevices,
      List<String> problems,
      List<Long> tooLowMetadata,
      java.util.BitSet reachable) {
    boolean clean() {
      return problems.isEmpty();
    }
  }

  private final BlockDevice dev;
  private final List<String> problems = new ArrayList<>();
  private long nrMeta;
  private long nrData;
  private long[] metaExpected;
  private long[] dataExpected;

  private Audit(BlockDevice dev) {
    this.dev = dev;
  }

  static Result run(BlockDevice dev) throws IOException {
    Audit a = new Audit(dev);
    try {
      return a.audit();
    } catch (org.thinmeta.pdata.damage.CorruptMetadataException e) {
      a.problems.add("unreadable: " + e.getMessage());
      return new Result(
          null, new TreeMap<>(), null, null, a.problems, List.of(), new java.util.BitSet());
    }
  }

  private Result audit() throws IOException {
    Superblock sb = MetadataReader.readSuperblock(dev);
    if (sb.magic() != Superblock.MAGIC) {
      problems.add("bad magic");
    }
    if (sb.blockNr() != 0) {
      problems.add("superblock blocknr " + sb.blockNr());
    }
    if (sb.metadataBlockSize() != 8) {
      problems.add("metadata block size " + sb.metadataBlockSize());
    }
    nrMeta = sb.metadataSmRoot().nrBlocks();
    nrData = sb.dataSmRoot().nrBlocks();
    if (nrMeta > dev.nrBlocks() || nrMeta != sb.metadataNrBlocks()) {
      problems.add("metadata nr_blocks " + nrMeta + " vs device " + dev.nrBlocks());
    }
    metaExpected = new long[(int) nrMeta];
    dataExpected = new long[Math.toIntExact(nrData)];
    metaExpected[0]++;
    DamageSink sink = d -> problems.add("damage: " + d);
    RefSink refs = b -> metaExpected[(int) b]++;
    BTreeWalker counting =
        new BTreeWalker(
            dev, nrMeta, sink, NodeChecks.Policy.STRICT, refs, new AtomicBitSet(nrMeta));
    countThin(counting, sb);
    Superblock snap = null;
    SortedMap<Long, Dev> snapDevices = null;
    if (sb.metadataSnap() != 0) {
      long loc = sb.metadataSnap();
      if (loc >= nrMeta) {
        problems.add("metadata snapshot beyond the metadata");
      } else {
        metaExpected[(int) loc]++;
        snap = MetadataReader.readSuperblockAt(dev, loc);
        if (snap.blockNr() != loc) {
          problems.add("snapshot superblock blocknr " + snap.blockNr());
        }
        if (snap.metadataSnap() != 0
            || !snap.dataSmRoot().equals(new SmRoot(0, 0, 0, 0))
            || !snap.metadataSmRoot().equals(new SmRoot(0, 0, 0, 0))) {
          problems.add("snapshot superblock has space maps or a snapshot");
        }
        countThin(counting, snap);
        snapDevices = contents(snap);
      }
    }
    SortedMap<Long, Dev> devices = contents(sb);
    long[] metaActual = spaceMap(sb.metadataSmRoot(), SpaceMapReader.Kind.METADATA, refs, sink);
    long[] dataActual = spaceMap(sb.dataSmRoot(), SpaceMapReader.Kind.DATA, refs, sink);
    List<Long> tooLow = new ArrayList<>();
    compare("metadata", metaExpected, metaActual, tooLow);
    compare("data", dataExpected, dataActual, null);
    java.util.BitSet reachable = new java.util.BitSet();
    for (int b = 0; b < metaExpected.length; b++) {
      if (metaExpected[b] > 0) {
        reachable.set(b);
      }
    }
    return new Result(sb, devices, snap, snapDevices, problems, tooLow, reachable);
  }

  private void countThin(BTreeWalker w, Superblock sb) throws IOException {
    w.walk(sb.detailsRoot(), DeviceDetails.SIZE, (leaf, range) -> {});
    w.walk(
        sb.mappingRoot(),
        8,
        (leaf, range) -> {
          for (int i = 0; i < leaf.nrEntries(); i++) {
            w.walk(
                leaf.valueU64(i),
                8,
                (bl, r) -> {
                  for (int j = 0; j < bl.nrEntries(); j++) {
                    long data = BlockTime.dataBlock(bl.valueU64(j));
                    if (data >= nrData) {
                      problems.add("mapping to data block " + data + " beyond " + nrData);
                    } else {
                      dataExpected[(int) data]++;
                    }
                  }
                });
          }
        });
  }

  private SortedMap<Long, Dev> contents(Superblock sb) throws IOException {
    SortedMap<Long, DeviceDetails> details =
        MetadataReader.readDetails(dev, nrMeta, sb.detailsRoot());
    SortedMap<Long, Long> roots = MetadataReader.readTopLevel(dev, nrMeta, sb.mappingRoot());
    if (!details.keySet().equals(roots.keySet())) {
      problems.add("details " + details.keySet() + " vs mapping tree " + roots.keySet());
    }
    SortedMap<Long, Dev> out = new TreeMap<>();
    BTreeWalker all =
        new BTreeWalker(
            dev, nrMeta, d -> problems.add("damage: " + d), NodeChecks.Policy.STRICT, null, null);
    for (Map.Entry<Long, Long> e : roots.entrySet()) {
      SortedMap<Long, PoolModel.Mapping> map = new TreeMap<>();
      all.walk(
          e.getValue(),
          8,
          (leaf, range) -> {
            for (int i = 0; i < leaf.nrEntries(); i++) {
              long v = leaf.valueU64(i);
              if (BlockTime.time(v) > sb.time()) {
                problems.add("mapping time " + BlockTime.time(v) + " after pool time " + sb.time());
              }
              map.put(
                  leaf.key(i), new PoolModel.Mapping(BlockTime.dataBlock(v), BlockTime.time(v)));
            }
          });
      DeviceDetails d = details.get(e.getKey());
      if (d != null && d.mappedBlocks() != map.size()) {
        problems.add(
            "device "
                + e.getKey()
                + " mapped_blocks "
                + d.mappedBlocks()
                + " but "
                + map.size()
                + " mappings");
      }
      out.put(e.getKey(), new Dev(d, map));
    }
    return out;
  }

  private long[] spaceMap(SmRoot root, SpaceMapReader.Kind kind, RefSink refs, DamageSink sink)
      throws IOException {
    String name = kind == SpaceMapReader.Kind.METADATA ? "metadata" : "data";
    SpaceMapReader r = new SpaceMapReader(dev, nrMeta, root, kind);
    List<IndexEntry> index = r.readIndex(refs, sink);
    OverflowCounts overflow = r.readOverflow(refs, sink);
    long[] counts = new long[Math.toIntExact(root.nrBlocks())];
    long allocated = 0;
    int overflowSeen = 0;
    for (int i = 0; i < index.size(); i++) {
      IndexEntry e = index.get(i);
      refs.inc(e.blockNr());
      ByteBuffer bm = r.readBitmap(i, e);
      if (Bitmap.blockNr(bm) != e.blockNr()) {
        problems.add(name + " bitmap " + i + " blocknr " + Bitmap.blockNr(bm));
      }
      int nonZero = 0;
      int firstFree = -1;
      for (int j = 0; j < Bitmap.ENTRIES_PER_BLOCK; j++) {
        int v = Bitmap.get(bm, j);
        long b = (long) i * Bitmap.ENTRIES_PER_BLOCK + j;
        if (b >= root.nrBlocks()) {
          if (v != 0) {
            problems.add(name + " bitmap entry " + b + " beyond nr_blocks is " + v);
          }
          if (firstFree < 0) {
            firstFree = j;
          }
          continue;
        }
        if (v == 0) {
          if (firstFree < 0) {
            firstFree = j;
          }
          continue;
        }
        nonZero++;
        allocated++;
        long c = v;
        if (v == 3) {
          c = overflow.lookup(b);
          overflowSeen++;
          if (c < 3) {
            problems.add(name + " block " + b + " overflow count " + c);
          }
        }
        counts[(int) b] = c;
      }
      if (e.nrFree() != Bitmap.ENTRIES_PER_BLOCK - nonZero) {
        problems.add(
            name
                + " index "
                + i
                + " nr_free "
                + e.nrFree()
                + " but "
                + (Bitmap.ENTRIES_PER_BLOCK - nonZero));
      }
      if (firstFree >= 0 && e.noneFreeBefore() > firstFree) {
        problems.add(
            name
                + " index "
                + i
                + " none_free_before "
                + e.noneFreeBefore()
                + " skips free entry "
                + firstFree);
      }
    }
    if (overflowSeen != overflow.size()) {
      problems.add(
          name
              + " overflow tree has "
              + overflow.size()
              + " entries for "
              + overflowSeen
              + " overflowed bitmap entries");
    }
    if (allocated != root.nrAllocated()) {
      problems.add(
          name + " nr_allocated " + root.nrAllocated() + " but " + allocated + " blocks in use");
    }
    return counts;
  }

  private void compare(String name, long[] expected, long[] actual, List<Long> tooLow) {
    int shown = 0;
    for (int b = 0; b < expected.length; b++) {
      if (expected[b] != actual[b]) {
        if (tooLow != null && actual[b] < expected[b]) {
          tooLow.add((long) b);
        }
        if (shown++ < 20) {
          problems.add(
              name + " block " + b + ": expected count " + expected[b] + ", on disk " + actual[b]);
        }
      }
    }
  }
}
