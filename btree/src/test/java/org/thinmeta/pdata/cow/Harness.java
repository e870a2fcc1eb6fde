package org.thinmeta.pdata.cow;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.thinmeta.pdata.btree.AtomicBitSet;
import org.thinmeta.pdata.btree.BTreeWalker;
import org.thinmeta.pdata.btree.NodeChecks;
import org.thinmeta.pdata.btree.RefSink;
import org.thinmeta.pdata.damage.DamageSink;
import org.thinmeta.pdata.io.Blocks;
import org.thinmeta.pdata.io.MemoryBlockDevice;
import org.thinmeta.pdata.sm.DiskSpaceMap;
import org.thinmeta.pdata.sm.MetadataSpaceMap;
import org.thinmeta.pdata.spacemap.Bitmap;
import org.thinmeta.pdata.spacemap.IndexEntry;
import org.thinmeta.pdata.spacemap.OverflowCounts;
import org.thinmeta.pdata.spacemap.SmRoot;
import org.thinmeta.pdata.spacemap.SpaceMapReader;
import org.thinmeta.pdata.tm.LeBytes;
import org.thinmeta.pdata.tm.TransactionManager;

/**
 * A minimal pool for engine tests: a transaction manager, both space maps and a list of tree roots,
 * committed with a small superblock of its own (data sm root at 64, metadata sm root at 192, number
 * of roots at 320, roots from 328). {@link #recount} checks every count on disk against the
 * references the committed trees hold (format doc §6 rules).
 */
public final class Harness {
  public final MemoryBlockDevice dev;
  public final TransactionManager tm;
  public final MetadataSpaceMap msm;
  public final DiskSpaceMap dsm;
  public final List<Long> roots = new ArrayList<>();

  public Harness(int metadataBlocks, long dataBlocks, MetadataSpaceMap.OpOrder order)
      throws IOException {
    dev = new MemoryBlockDevice(metadataBlocks);
    tm = new TransactionManager(dev);
    msm = MetadataSpaceMap.create(tm, metadataBlocks, order);
    dsm = DiskSpaceMap.create(tm, dataBlocks);
  }

  public void commit() throws IOException {
    dsm.commit();
    tm.preCommit();
    byte[] sb = new byte[Blocks.BLOCK_SIZE];
    ByteBuffer b = ByteBuffer.wrap(sb).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    dsm.root().encode(b, 64);
    msm.root().encode(b, 192);
    LeBytes.putLong(sb, 320, roots.size());
    for (int i = 0; i < roots.size(); i++) {
      LeBytes.putLong(sb, 328 + 8 * i, roots.get(i));
    }
    tm.commit(sb);
  }

  /**
   * Recounts the committed image: returns a description of every wrong count (empty if none).
   *
   * @param leafRefs true if 8-byte leaf values are data blocks holding references
   */
  public List<String> recount(boolean leafRefs) throws IOException {
    List<String> problems = new ArrayList<>();
    ByteBuffer sb = dev.read(0);
    SmRoot dataRoot = SmRoot.decode(sb, 64);
    SmRoot metaRoot = SmRoot.decode(sb, 192);
    long nrMeta = metaRoot.nrBlocks();
    long[] meta = new long[(int) nrMeta];
    long[] data = new long[(int) dataRoot.nrBlocks()];
    meta[0]++;
    RefSink refs = b -> meta[(int) b]++;
    DamageSink sink = d -> problems.add("damage: " + d);
    BTreeWalker w =
        new BTreeWalker(
            dev, nrMeta, sink, NodeChecks.Policy.STRICT, refs, new AtomicBitSet(nrMeta));
    long n = sb.getLong(320);
    for (int i = 0; i < n; i++) {
      w.walk(
          sb.getLong(328 + 8 * i),
          8,
          (leaf, range) -> {
            if (leafRefs) {
              for (int j = 0; j < leaf.nrEntries(); j++) {
                data[(int) leaf.valueU64(j)]++;
              }
            }
          });
    }
    long[] metaDisk = disk(metaRoot, SpaceMapReader.Kind.METADATA, nrMeta, refs, sink, problems);
    long[] dataDisk = disk(dataRoot, SpaceMapReader.Kind.DATA, nrMeta, refs, sink, problems);
    for (int b = 0; b < meta.length; b++) {
      if (meta[b] != metaDisk[b]) {
        problems.add("metadata block " + b + ": expected " + meta[b] + ", on disk " + metaDisk[b]);
      }
    }
    for (int b = 0; b < data.length; b++) {
      if (data[b] != dataDisk[b]) {
        problems.add("data block " + b + ": expected " + data[b] + ", on disk " + dataDisk[b]);
      }
    }
    return problems;
  }

  private long[] disk(
      SmRoot root,
      SpaceMapReader.Kind kind,
      long nrMeta,
      RefSink refs,
      DamageSink sink,
      List<String> problems)
      throws IOException {
    SpaceMapReader r = new SpaceMapReader(dev, nrMeta, root, kind);
    List<IndexEntry> index = r.readIndex(refs, sink);
    OverflowCounts over = r.readOverflow(refs, sink);
    long[] counts = new long[(int) root.nrBlocks()];
    long allocated = 0;
    for (int i = 0; i < index.size(); i++) {
      refs.inc(index.get(i).blockNr());
      ByteBuffer bm = r.readBitmap(i, index.get(i));
      int nonZero = 0;
      for (int j = 0; j < Bitmap.ENTRIES_PER_BLOCK; j++) {
        long b = (long) i * Bitmap.ENTRIES_PER_BLOCK + j;
        int v = Bitmap.get(bm, j);
        if (v != 0) {
          nonZero++;
          counts[(int) b] = v == 3 ? over.lookup(b) : v;
        }
      }
      allocated += nonZero;
      if (index.get(i).nrFree() != Bitmap.ENTRIES_PER_BLOCK - nonZero) {
        problems.add(kind + " index " + i + " nr_free " + index.get(i).nrFree());
      }
    }
    if (allocated != root.nrAllocated()) {
      problems.add(kind + " nr_allocated " + root.nrAllocated() + " but " + allocated);
    }
    return counts;
  }
}
