package org.thinmeta.pdata.build;

import java.io.IOException;
import java.nio.ByteBuffer;
import org.thinmeta.pdata.checksum.BlockKind;
import org.thinmeta.pdata.io.Blocks;
import org.thinmeta.pdata.spacemap.Bitmap;
import org.thinmeta.pdata.spacemap.IndexEntry;
import org.thinmeta.pdata.spacemap.SmRoot;
import org.thinmeta.pdata.spacemap.SpaceMapReader;

/**
 * Writes the two space maps of a fresh image from in-memory counts (format doc §9.5, §9.6): bitmaps
 * with 2-bit counts, an overflow ref-count tree for counts of 3 and more, and the index (a btree
 * for data, one index block for metadata). Index hints follow §4.3: {@code nr_free} = 16320 minus
 * the non-zero entries, {@code none_free_before} = the first zero entry.
 */
public final class SpaceMapWriter {
  private static final int ENTRIES = Bitmap.ENTRIES_PER_BLOCK;
  private static final int WORDS = ENTRIES / 32;
  private static final int REF_COUNT_VALUE_SIZE = 4;

  /** 2-bit encodings of counts 0, 1, 2, 3+ (the high bit of the count is the lower bit). */
  private static final long[] ENCODED = {0, 2, 1, 3};

  private SpaceMapWriter() {}

  /** Number of bitmaps needed for {@code nrBlocks} blocks. */
  public static long nrBitmaps(long nrBlocks) {
    return (nrBlocks + ENTRIES - 1) / ENTRIES;
  }

  /**
   * A lower bound on the metadata blocks an image needs besides its trees: superblock, the bitmaps
   * of both space maps, their index nodes and ref-count roots, and the details and top-level roots.
   * Lets a writer refuse an output that is too small before writing anything.
   */
  public static long minimumBlocks(long nrDataBlocks, long nrMetadataBlocks) {
    long dataBitmaps = nrBitmaps(nrDataBlocks);
    long dataIndexLeaves = Math.max(1, (dataBitmaps + 167) / 168);
    return 1 + dataBitmaps + dataIndexLeaves + 1 + nrBitmaps(nrMetadataBlocks) + 1 + 1 + 2;
  }

  /** Writes the data space map for {@code counts} and returns its root. */
  public static SmRoot writeData(MetadataSpace space, DataCounts counts) throws IOException {
    long n = counts.nrBlocks();
    int nb = counts.nrRegions();
    BTreeBuilder overflow = new BTreeBuilder(space, REF_COUNT_VALUE_SIZE);
    BTreeBuilder index = new BTreeBuilder(space, IndexEntry.SIZE);
    long[] region = new long[ENTRIES];
    byte[] entry = new byte[IndexEntry.SIZE];
    ByteBuffer entryBuf = ByteBuffer.wrap(entry);
    for (int i = 0; i < nb; i++) {
      long base = (long) i * ENTRIES;
      int valid = (int) Math.min(ENTRIES, n - base);
      ByteBuffer bitmap = Blocks.allocate();
      long nrFree = ENTRIES;
      long noneFreeBefore = 0;
      if (counts.region(i, region)) {
        int[] stats = encode(bitmap, region, valid, base, overflow);
        nrFree = ENTRIES - stats[0];
        noneFreeBefore = stats[1];
      }
      long loc = space.allocate();
      space.write(loc, bitmap, BlockKind.BITMAP);
      new IndexEntry(loc, nrFree, noneFreeBefore).encode(entryBuf, 0);
      index.add(i, entry, 0);
    }
    long refCountRoot = overflow.finish();
    long indexRoot = index.finish();
    return new SmRoot(n, counts.nrAllocated(), indexRoot, refCountRoot);
  }

  /**
   * Writes the metadata space map, which counts its own blocks: the index block and the bitmaps are
   * allocated first, then the overflow tree is built (its nodes only ever get count 1, so the set
   * of overflowing blocks does not change while it is built), then the bitmaps are written from the
   * final counts. Nothing may be allocated from {@code space} afterwards.
   */
  public static SmRoot writeMetadata(MetadataSpace space) throws IOException {
    long n = space.nrBlocks();
    int nb = (int) nrBitmaps(n);
    if (nb > SpaceMapReader.METADATA_INDEX_ENTRIES) {
      throw new IllegalStateException("too many metadata blocks: " + n);
    }
    long indexBlock = space.allocate();
    long[] bitmapBlocks = new long[nb];
    for (int i = 0; i < nb; i++) {
      bitmapBlocks[i] = space.allocate();
    }
    BTreeBuilder overflow = new BTreeBuilder(space, REF_COUNT_VALUE_SIZE);
    for (long b = 0; b < n; b++) {
      long c = space.count(b);
      if (c > 2) {
        overflow.add(b, c);
      }
    }
    long refCountRoot = overflow.finish();
    long nrAllocated = space.nrAllocated();

    ByteBuffer indexBuf = Blocks.allocate();
    long[] region = new long[ENTRIES];
    for (int i = 0; i < nb; i++) {
      long base = (long) i * ENTRIES;
      int valid = (int) Math.min(ENTRIES, n - base);
      for (int j = 0; j < ENTRIES; j++) {
        region[j] = j < valid ? space.count(base + j) : 0;
      }
      ByteBuffer bitmap = Blocks.allocate();
      int[] stats = encode(bitmap, region, valid, base, null);
      space.write(bitmapBlocks[i], bitmap, BlockKind.BITMAP);
      new IndexEntry(bitmapBlocks[i], ENTRIES - stats[0], stats[1])
          .encode(indexBuf, 16 + IndexEntry.SIZE * i);
    }
    space.write(indexBlock, indexBuf, BlockKind.INDEX);
    if (space.nrAllocated() != nrAllocated) {
      throw new IllegalStateException("metadata allocated while its space map was written");
    }
    return new SmRoot(n, nrAllocated, indexBlock, refCountRoot);
  }

  /**
   * Fills {@code bitmap} from {@code counts[0 .. valid)}, adds counts above 2 to {@code overflow}
   * (if given) and returns {non-zero entries, first zero entry or {@code valid} if none}.
   */
  private static int[] encode(
      ByteBuffer bitmap, long[] counts, int valid, long base, BTreeBuilder overflow)
      throws IOException {
    int nonZero = 0;
    int firstFree = -1;
    for (int w = 0; w < WORDS; w++) {
      long word = 0;
      int from = w * 32;
      int to = Math.min(from + 32, valid);
      for (int j = from; j < to; j++) {
        long c = counts[j];
        if (c == 0) {
          if (firstFree < 0) {
            firstFree = j;
          }
          continue;
        }
        nonZero++;
        if (c > 2) {
          if (overflow != null) {
            overflow.add(base + j, c);
          }
          c = 3;
        }
        word |= ENCODED[(int) c] << (2 * (j - from));
      }
      bitmap.putLong(Bitmap.DATA_OFFSET + 8 * w, word);
    }
    return new int[] {nonZero, firstFree < 0 ? valid : firstFree};
  }
}
