package org.thinmeta.pdata.build;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.thinmeta.pdata.io.MemoryBlockDevice;
import org.thinmeta.pdata.spacemap.Bitmap;
import org.thinmeta.pdata.spacemap.IndexEntry;
import org.thinmeta.pdata.spacemap.OverflowCounts;
import org.thinmeta.pdata.spacemap.SmRoot;
import org.thinmeta.pdata.spacemap.SpaceMapReader;

class SpaceMapWriterTest {
  private static final int E = Bitmap.ENTRIES_PER_BLOCK;

  /** Reads every count of a space map back through the reader. */
  private static long[] readBack(MemoryBlockDevice dev, SmRoot root, SpaceMapReader.Kind kind)
      throws IOException {
    SpaceMapReader r = new SpaceMapReader(dev, dev.nrBlocks(), root, kind);
    List<IndexEntry> index =
        r.readIndex(
            null,
            d -> {
              throw new AssertionError(d.describe());
            });
    OverflowCounts over =
        r.readOverflow(
            null,
            d -> {
              throw new AssertionError(d.describe());
            });
    long[] out = new long[(int) root.nrBlocks()];
    for (int i = 0; i < index.size(); i++) {
      ByteBuffer bm = r.readBitmap(i, index.get(i));
      assertEquals(index.get(i).blockNr(), Bitmap.blockNr(bm));
      int nonZero = 0;
      int firstFree = -1;
      for (int j = 0; j < E; j++) {
        long b = (long) i * E + j;
        int c = Bitmap.get(bm, j);
        if (b >= out.length) {
          assertEquals(0, c, "entry beyond nr_blocks");
          continue;
        }
        if (c == 0 && firstFree < 0) {
          firstFree = j;
        }
        if (c != 0) {
          nonZero++;
        }
        out[(int) b] = c == 3 ? over.lookup(b) : c;
      }
      int valid = (int) Math.min(E, out.length - (long) i * E);
      assertEquals(E - nonZero, index.get(i).nrFree(), "nr_free of bitmap " + i);
      assertEquals(firstFree < 0 ? valid : firstFree, index.get(i).noneFreeBefore());
    }
    return out;
  }

  @Test
  void data_countsReadBack_exactly_withOverflowAndEmptyRegions() throws IOException {
    long n = 5L * E + 123;
    DataCounts counts = new DataCounts(n);
    Map<Long, Long> model = new HashMap<>();
    Random rnd = new Random(7);
    for (int i = 0; i < 20000; i++) {
      long b = rnd.nextInt(2 * E); // regions 0 and 1 only; 2..5 stay unallocated
      int times = rnd.nextInt(10) == 0 ? 300 : 1 + rnd.nextInt(3);
      for (int t = 0; t < times; t++) {
        counts.inc(b);
      }
      model.merge(b, (long) times, Long::sum);
    }
    counts.inc(n - 1);
    model.merge(n - 1, 1L, Long::sum);
    long some = model.keySet().iterator().next();
    counts.dec(some);
    model.merge(some, -1L, Long::sum);
    model.values().removeIf(v -> v == 0);

    MemoryBlockDevice dev = new MemoryBlockDevice(200);
    MetadataSpace space = new MetadataSpace(dev);
    space.reserve(0);
    SmRoot root = SpaceMapWriter.writeData(space, counts);
    assertEquals(n, root.nrBlocks());
    assertEquals(model.size(), root.nrAllocated());
    long[] back = readBack(dev, root, SpaceMapReader.Kind.DATA);
    for (long b = 0; b < n; b++) {
      assertEquals(model.getOrDefault(b, 0L), back[(int) b], "data block " + b);
    }
  }

  @Test
  void metadata_describesItself_includingItsOwnBlocks() throws IOException {
    MemoryBlockDevice dev = new MemoryBlockDevice(E + 500);
    MetadataSpace space = new MetadataSpace(dev);
    space.reserve(0);
    long shared = space.allocate();
    for (int i = 0; i < 5; i++) {
      space.inc(shared);
    }
    BTreeBuilder b = new BTreeBuilder(space, 8);
    for (int k = 0; k < 30000; k++) {
      b.add(k, k);
    }
    b.finish();
    SmRoot root = SpaceMapWriter.writeMetadata(space);
    assertEquals(E + 500, root.nrBlocks());
    long[] back = readBack(dev, root, SpaceMapReader.Kind.METADATA);
    long nonZero = 0;
    for (int i = 0; i < back.length; i++) {
      assertEquals(space.count(i), back[i], "metadata block " + i);
      nonZero += back[i] > 0 ? 1 : 0;
    }
    assertEquals(6, back[(int) shared]);
    assertEquals(1, back[(int) root.bitmapRoot()]);
    assertEquals(1, back[(int) root.refCountRoot()]);
    assertEquals(nonZero, root.nrAllocated());
  }

  @Test
  void data_tenThousandBitmaps_multiLevelIndex() throws IOException {
    long n = 400L * E;
    DataCounts counts = new DataCounts(n);
    counts.inc(n - 1);
    counts.inc(0);
    MemoryBlockDevice dev = new MemoryBlockDevice(1000);
    MetadataSpace space = new MetadataSpace(dev);
    SmRoot root = SpaceMapWriter.writeData(space, counts);
    long[] back = readBack(dev, root, SpaceMapReader.Kind.DATA);
    assertEquals(1, back[0]);
    assertEquals(1, back[(int) (n - 1)]);
    assertEquals(2, root.nrAllocated());
  }
}
