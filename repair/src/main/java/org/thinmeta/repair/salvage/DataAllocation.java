package org.thinmeta.repair.salvage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.thinmeta.pdata.io.BlockDevice;
import org.thinmeta.pdata.spacemap.Bitmap;
import org.thinmeta.pdata.spacemap.IndexEntry;
import org.thinmeta.pdata.spacemap.SpaceMapReader;
import org.thinmeta.thin.format.Superblock;

/**
 * Which data blocks the on-disk data space map shows in use, as far as it can be read. Evidence
 * only: a stale mapping (from an old leaf) usually points at a block that has since been freed,
 * while a block some lost leaf still held keeps a non-zero count. Unreadable parts answer
 * "unknown".
 */
final class DataAllocation {
  private final SpaceMapReader reader;
  private final List<IndexEntry> index;
  private final Map<Integer, ByteBuffer> bitmaps = new HashMap<>();

  private DataAllocation(SpaceMapReader reader, List<IndexEntry> index) {
    this.reader = reader;
    this.index = index;
  }

  /** The data space map of {@code sb}, or null if its index cannot be read. */
  static DataAllocation read(BlockDevice dev, Superblock sb, long metadataBlocks) {
    try {
      SpaceMapReader r =
          new SpaceMapReader(dev, metadataBlocks, sb.dataSmRoot(), SpaceMapReader.Kind.DATA);
      if (r.nrBitmaps() == 0 || r.nrBitmaps() > Integer.MAX_VALUE) {
        return null;
      }
      return new DataAllocation(r, r.readIndex(null, d -> {}));
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /** True if the block's count is zero, false if it is in use or unknown. */
  boolean free(long data) {
    long i = data / Bitmap.ENTRIES_PER_BLOCK;
    if (data < 0 || i >= index.size()) {
      return false;
    }
    int bi = (int) i;
    ByteBuffer b;
    if (bitmaps.containsKey(bi)) {
      b = bitmaps.get(bi);
    } else {
      try {
        b = reader.readBitmap(bi, index.get(bi));
      } catch (IOException | RuntimeException e) {
        b = null;
      }
      bitmaps.put(bi, b);
    }
    return b != null && Bitmap.get(b, (int) (data % Bitmap.ENTRIES_PER_BLOCK)) == 0;
  }
}
