package org.thinmeta.repair.salvage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.thinmeta.pdata.io.BlockDevice;
import org.thinmeta.pdata.spacemap.Bitmap;
import org.thinmeta.pdata.spacemap.IndexEntry;
import org.thinmeta.pdata.spacemap.OverflowCounts;
import org.thinmeta.pdata.spacemap.SpaceMapReader;
import org.thinmeta.thin.format.Superblock;

/**
 * Reference counts of metadata blocks as the on-disk metadata space map records them, as far as it
 * can be read: evidence of how many parents a node had before damage removed a pointer.
 */
final class MetadataCounts {
  private final SpaceMapReader reader;
  private final List<IndexEntry> index;
  private final Map<Integer, ByteBuffer> bitmaps = new HashMap<>();
  private OverflowCounts overflow;
  private boolean overflowFailed;

  private MetadataCounts(SpaceMapReader reader, List<IndexEntry> index) {
    this.reader = reader;
    this.index = index;
  }

  /** The metadata space map of {@code sb}, or null if its index cannot be read. */
  static MetadataCounts read(BlockDevice dev, Superblock sb, long metadataBlocks) {
    try {
      SpaceMapReader r =
          new SpaceMapReader(
              dev, metadataBlocks, sb.metadataSmRoot(), SpaceMapReader.Kind.METADATA);
      return new MetadataCounts(r, r.readIndex(null, d -> {}));
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /** The recorded count of block {@code b}, or -1 if that part of the map is unreadable. */
  long count(long b) {
    long i = b / Bitmap.ENTRIES_PER_BLOCK;
    if (b < 0 || i >= index.size()) {
      return -1;
    }
    int bi = (int) i;
    ByteBuffer bm;
    if (bitmaps.containsKey(bi)) {
      bm = bitmaps.get(bi);
    } else {
      try {
        bm = reader.readBitmap(bi, index.get(bi));
      } catch (IOException | RuntimeException e) {
        bm = null;
      }
      bitmaps.put(bi, bm);
    }
    if (bm == null) {
      return -1;
    }
    int v = Bitmap.get(bm, (int) (b % Bitmap.ENTRIES_PER_BLOCK));
    if (v < 3) {
      return v;
    }
    if (overflow == null && !overflowFailed) {
      try {
        overflow = reader.readOverflow(null, d -> {});
      } catch (IOException | RuntimeException e) {
        overflowFailed = true;
      }
    }
    return overflow == null ? -1 : overflow.lookup(b);
  }
}
