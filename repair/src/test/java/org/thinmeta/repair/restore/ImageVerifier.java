package org.thinmeta.repair.restore;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.thinmeta.pdata.btree.AtomicBitSet;
import org.thinmeta.pdata.btree.BTreeWalker;
import org.thinmeta.pdata.btree.KeyRange;
import org.thinmeta.pdata.btree.Node;
import org.thinmeta.pdata.btree.NodeChecks;
import org.thinmeta.pdata.build.MetadataSpace;
import org.thinmeta.pdata.damage.DamageSink;
import org.thinmeta.pdata.io.BlockDevice;
import org.thinmeta.pdata.spacemap.Bitmap;
import org.thinmeta.pdata.spacemap.IndexEntry;
import org.thinmeta.pdata.spacemap.OverflowCounts;
import org.thinmeta.pdata.spacemap.SmRoot;
import org.thinmeta.pdata.spacemap.SpaceMapReader;
import org.thinmeta.thin.format.BlockTime;
import org.thinmeta.thin.format.Superblock;
import org.thinmeta.thin.read.MetadataReader;

/**
 * Test oracle: recomputes every metadata and data reference count of an image from its trees
 * (format doc §6, expand each node once) and asserts that both space maps hold exactly those
 * counts, that nr_allocated is exact, and that every node passes the strict checks (including the
 * under-full rule).
 */
final class ImageVerifier {
  private ImageVerifier() {}

  static final DamageSink FAIL =
      d -> {
        throw new AssertionError(d.describe());
      };

  /** Verifies the image and returns its superblock. */
  static Superblock verify(BlockDevice dev) throws IOException {
    Superblock sb = MetadataReader.readSuperblock(dev);
    assertEquals(Superblock.MAGIC, sb.magic());
    assertEquals(2, sb.version());
    assertEquals(0, sb.flags());
    assertEquals(0, sb.blockNr());
    assertEquals(0, sb.metadataSnap());
    assertEquals(8, sb.metadataBlockSize());
    long m = Math.min(dev.nrBlocks(), MetadataSpace.MAX_BLOCKS);
    assertEquals(m, sb.metadataNrBlocks());
    assertEquals(m, sb.metadataSmRoot().nrBlocks());
    long[] exp = new long[(int) m];
    exp[0]++;
    Map<Long, Long> data = new HashMap<>();
    AtomicBitSet seen = new AtomicBitSet(m);
    BTreeWalker w =
        new BTreeWalker(dev, m, FAIL, NodeChecks.Policy.STRICT, b -> exp[(int) b]++, seen);
    TreeMap<Long, Long> roots = new TreeMap<>();
    w.walk(
        sb.detailsRoot(),
        24,
        new BTreeWalker.Visitor() {
          @Override
          public void leaf(Node leaf, KeyRange range) {}
        });
    w.walk(
        sb.mappingRoot(),
        8,
        new BTreeWalker.Visitor() {
          @Override
          public void leaf(Node leaf, KeyRange range) {
            for (int i = 0; i < leaf.nrEntries(); i++) {
              roots.put(leaf.key(i), leaf.valueU64(i));
            }
          }
        });
    long nrData = sb.dataSmRoot().nrBlocks();
    for (long root : roots.values()) {
      w.walk(
          root,
          8,
          new BTreeWalker.Visitor() {
            @Override
            public void leaf(Node leaf, KeyRange range) {
              for (int i = 0; i < leaf.nrEntries(); i++) {
                long d = BlockTime.dataBlock(leaf.valueU64(i));
                if (d >= nrData) {
                  throw new AssertionError("data block " + d + " beyond " + nrData);
                }
                data.merge(d, 1L, Long::sum);
              }
            }
          });
    }
    Map<Long, Long> dataOnDisk = readCounts(dev, m, sb.dataSmRoot(), SpaceMapReader.Kind.DATA, exp);
    Map<Long, Long> metaOnDisk =
        readCounts(dev, m, sb.metadataSmRoot(), SpaceMapReader.Kind.METADATA, exp);
    assertEquals(data, dataOnDisk, "data reference counts");
    assertEquals(data.size(), sb.dataSmRoot().nrAllocated(), "data nr_allocated");
    Map<Long, Long> metaExp = new HashMap<>();
    for (int b = 0; b < exp.length; b++) {
      if (exp[b] != 0) {
        metaExp.put((long) b, exp[b]);
      }
    }
    assertEquals(metaExp, metaOnDisk, "metadata reference counts");
    assertEquals(metaExp.size(), sb.metadataSmRoot().nrAllocated(), "metadata nr_allocated");
    return sb;
  }

  /** The non-zero counts of a space map; its own blocks are counted into {@code exp}. */
  private static Map<Long, Long> readCounts(
      BlockDevice dev, long m, SmRoot root, SpaceMapReader.Kind kind, long[] exp)
      throws IOException {
    SpaceMapReader r = new SpaceMapReader(dev, m, root, kind);
    List<IndexEntry> index = r.readIndex(b -> exp[(int) b]++, FAIL);
    OverflowCounts over = r.readOverflow(b -> exp[(int) b]++, FAIL);
    Map<Long, Long> out = new HashMap<>();
    int e = Bitmap.ENTRIES_PER_BLOCK;
    for (int i = 0; i < index.size(); i++) {
      exp[(int) index.get(i).blockNr()]++;
      ByteBuffer bm = r.readBitmap(i, index.get(i));
      int nonZero = 0;
      for (int j = 0; j < e; j++) {
        long b = (long) i * e + j;
        int c = Bitmap.get(bm, j);
        if (c == 0) {
          continue;
        }
        nonZero++;
        if (b >= root.nrBlocks()) {
          throw new AssertionError("count beyond nr_blocks at " + b);
        }
        out.put(b, c == 3 ? over.lookup(b) : c);
      }
      assertEquals(e - nonZero, index.get(i).nrFree(), "nr_free of bitmap " + i);
    }
    return out;
  }
}
