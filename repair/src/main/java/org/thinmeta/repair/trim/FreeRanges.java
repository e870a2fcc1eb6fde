package org.thinmeta.repair.trim;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import org.thinmeta.pdata.damage.CorruptMetadataException;
import org.thinmeta.pdata.io.BlockDevice;
import org.thinmeta.pdata.spacemap.Bitmap;
import org.thinmeta.pdata.spacemap.IndexEntry;
import org.thinmeta.pdata.spacemap.SmRoot;
import org.thinmeta.pdata.spacemap.SpaceMapReader;
import org.thinmeta.thin.read.MetadataReader;

/**
 * The maximal runs of data blocks whose count in the on-disk data space map is 0, in ascending
 * order, up to the space map's nr_blocks. Any damage in the index or a bitmap stops the scan.
 */
public final class FreeRanges {
  /** Receives runs of free data blocks {@code [begin, end)}. */
  @FunctionalInterface
  public interface Sink {
    /** One maximal run of free blocks. */
    void range(long begin, long end) throws IOException;
  }

  private FreeRanges() {}

  /**
   * Scans the data space map of {@code root}.
   *
   * @param limit number of metadata blocks pointers may reach
   */
  public static void scan(BlockDevice dev, long limit, SmRoot root, Sink sink) throws IOException {
    SpaceMapReader reader = new SpaceMapReader(dev, limit, root, SpaceMapReader.Kind.DATA);
    List<IndexEntry> index = reader.readIndex(null, MetadataReader.THROW);
    long nr = root.nrBlocks();
    long runStart = -1;
    for (int i = 0; i < index.size(); i++) {
      ByteBuffer bm = reader.readBitmap(i, index.get(i));
      if (Bitmap.blockNr(bm) != index.get(i).blockNr()) {
        throw new CorruptMetadataException(
            "data space map: bitmap "
                + index.get(i).blockNr()
                + " of index entry "
                + i
                + " claims block "
                + Bitmap.blockNr(bm));
      }
      long base = (long) i * Bitmap.ENTRIES_PER_BLOCK;
      int entries = (int) Math.min(Bitmap.ENTRIES_PER_BLOCK, nr - base);
      int j = 0;
      while (j < entries) {
        if ((j & 31) == 0 && j + 32 <= entries) {
          long word = bm.getLong(Bitmap.DATA_OFFSET + 8 * (j >>> 5));
          if (word == 0) {
            if (runStart < 0) {
              runStart = base + j;
            }
            j += 32;
            continue;
          }
        }
        if (Bitmap.get(bm, j) == 0) {
          if (runStart < 0) {
            runStart = base + j;
          }
        } else if (runStart >= 0) {
          sink.range(runStart, base + j);
          runStart = -1;
        }
        j++;
      }
    }
    if (runStart >= 0) {
      sink.range(runStart, nr);
    }
  }
}
