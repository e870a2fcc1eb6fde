package org.thinmeta.repair.trim;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import org.thinmeta.pdata.damage.CorruptMetadataException;
import org.thinmeta.pdata.io.BlockDevice;
import org.thinmeta.thin.format.BlockTime;
import org.thinmeta.thin.format.DeviceDetails;
import org.thinmeta.thin.format.Superblock;
import org.thinmeta.thin.inspect.MappingForest;
import org.thinmeta.thin.read.MetadataReader;

/**
 * The check thin_trim runs until the full thin_check is wired in: it reads the live superblock, the
 * device-details and top-level trees, every mapping tree of the live metadata and of the metadata
 * snapshot (strictly: any damaged node fails), and the whole data space map, and fails unless every
 * mapped data block lies inside the pool and is counted as used. That is the property trimming
 * depends on: a block the space map calls free is discarded, so a mapped one must never be called
 * free.
 */
public final class MappingSafetyCheck implements TrimPreCheck {
  private final int threads;

  /** A check reading leaves with up to {@code threads} threads. */
  public MappingSafetyCheck(int threads) {
    this.threads = threads;
  }

  @Override
  public String problem(BlockDevice dev) throws IOException {
    try {
      return check(dev);
    } catch (CorruptMetadataException e) {
      return e.getMessage();
    }
  }

  private String check(BlockDevice dev) throws IOException {
    Superblock live = MetadataReader.readSuperblock(dev);
    long limit = MetadataReader.metadataLimit(dev, live);
    List<Long> roots = new ArrayList<>();
    String p = addRoots(dev, limit, live, roots);
    if (p != null) {
      return p;
    }
    if (live.metadataSnap() != 0) {
      p = addRoots(dev, limit, MetadataReader.readSnapshotSuperblock(dev, live), roots);
      if (p != null) {
        return "metadata snapshot: " + p;
      }
    }
    long nrData = live.dataSmRoot().nrBlocks();
    long[] outside = {-1};
    UsedBlocks used = new UsedBlocks();
    MappingForest forest = MappingForest.load(dev, limit, roots);
    forest.readLeaves(
        b -> true,
        threads,
        leaf -> {
          for (int i = 0; i < leaf.nrEntries(); i++) {
            long d = BlockTime.dataBlock(leaf.valueU64(i));
            if (Long.compareUnsigned(d, nrData) >= 0) {
              outside[0] = d;
            } else {
              used.set(d);
            }
          }
        });
    if (outside[0] >= 0) {
      return "mapped data block " + outside[0] + " is beyond the pool's " + nrData + " blocks";
    }
    long[] freeButUsed = {-1};
    FreeRanges.scan(
        dev,
        limit,
        live.dataSmRoot(),
        (b, e) -> {
          if (freeButUsed[0] < 0) {
            long u = used.nextSet(b, e);
            if (u >= 0) {
              freeButUsed[0] = u;
            }
          }
        });
    if (freeButUsed[0] >= 0) {
      return "data block "
          + freeButUsed[0]
          + " is mapped but has reference count 0 in the data space map";
    }
    return null;
  }

  private static String addRoots(BlockDevice dev, long limit, Superblock sb, List<Long> roots)
      throws IOException {
    SortedMap<Long, DeviceDetails> details =
        MetadataReader.readDetails(dev, limit, sb.detailsRoot());
    SortedMap<Long, Long> top = MetadataReader.readTopLevel(dev, limit, sb.mappingRoot());
    if (!details.keySet().equals(top.keySet())) {
      return "the device details tree and the mapping tree hold different devices";
    }
    roots.addAll(top.values());
    return null;
  }

  /** A growable bit set of data blocks in 2^16-bit pages. */
  private static final class UsedBlocks {
    private long[][] pages = new long[16][];

    void set(long b) {
      int p = (int) (b >>> 16);
      if (p >= pages.length) {
        pages = java.util.Arrays.copyOf(pages, Math.max(p + 1, pages.length * 2));
      }
      if (pages[p] == null) {
        pages[p] = new long[1024];
      }
      pages[p][(int) ((b >>> 6) & 1023)] |= 1L << (b & 63);
    }

    /** The first set bit in {@code [from, to)}, or -1. */
    long nextSet(long from, long to) {
      for (long b = from; b < to; ) {
        int p = (int) (b >>> 16);
        if (p >= pages.length) {
          return -1;
        }
        if (pages[p] == null) {
          b = ((long) p + 1) << 16;
          continue;
        }
        long w = pages[p][(int) ((b >>> 6) & 1023)] >>> (b & 63);
        if (w != 0) {
          long hit = b + Long.numberOfTrailingZeros(w);
          return hit < to ? hit : -1;
        }
        b = (b | 63) + 1;
      }
      return -1;
    }
  }
}
