package org.thinmeta.repair.salvage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.thinmeta.pdata.btree.NodeHeader;
import org.thinmeta.pdata.checksum.BlockKind;
import org.thinmeta.pdata.checksum.Checksums;
import org.thinmeta.pdata.io.BlockDevice;
import org.thinmeta.pdata.io.Blocks;
import org.thinmeta.thin.format.BlockTime;
import org.thinmeta.thin.format.DeviceDetails;
import org.thinmeta.thin.format.Superblock;

/**
 * Reads every block of a metadata device once, in order, in large chunks, and summarises it into a
 * {@link ScanResult}. Memory grows with the number of valid nodes, not with the device size beyond
 * five bytes per block.
 */
public final class BlockScanner {
  private static final int CHUNK = 256;

  private BlockScanner() {}

  /** Scans blocks {@code 0 .. dev.nrBlocks()-1}. */
  public static ScanResult scan(BlockDevice dev) throws IOException {
    long n = dev.nrBlocks();
    ScanResult r = new ScanResult(n);
    long[] keys = new long[512];
    long[] values = new long[512];
    for (long start = 0; start < n; start += CHUNK) {
      int count = (int) Math.min(CHUNK, n - start);
      ByteBuffer chunk = dev.readRange(start, count);
      for (int i = 0; i < count; i++) {
        ByteBuffer b = chunk.slice(i * Blocks.BLOCK_SIZE, Blocks.BLOCK_SIZE);
        b.order(ByteOrder.LITTLE_ENDIAN);
        classify(r, start + i, b, keys, values);
      }
    }
    return r;
  }

  private static void classify(ScanResult r, long loc, ByteBuffer b, long[] keys, long[] values) {
    if (b.getLong(0) == 0 && b.getLong(8) == 0 && b.getLong(16) == 0 && isZero(b)) {
      r.setKind(loc, ScanResult.ZERO);
      return;
    }
    BlockKind kind = Checksums.classify(b);
    switch (kind) {
      case NODE -> node(r, loc, b, keys, values);
      case BITMAP -> r.setKind(loc, ScanResult.BITMAP);
      case INDEX -> r.setKind(loc, ScanResult.INDEX);
      case THIN_SUPERBLOCK -> {
        Superblock sb = Superblock.decode(b);
        if (sb.blockNr() == loc && sb.magic() == Superblock.MAGIC) {
          r.setKind(loc, ScanResult.SUPERBLOCK);
          r.addSuperblock(new ScanResult.SuperblockCopy(loc, sb));
        } else {
          r.setKind(loc, ScanResult.OTHER);
        }
      }
      case UNKNOWN -> {}
      default -> r.setKind(loc, ScanResult.OTHER);
    }
  }

  private static boolean isZero(ByteBuffer b) {
    for (int i = 0; i < Blocks.BLOCK_SIZE; i += 8) {
      if (b.getLong(i) != 0) {
        return false;
      }
    }
    return true;
  }

  private static void node(ScanResult r, long loc, ByteBuffer b, long[] keys, long[] values) {
    NodeHeader h = NodeHeader.decode(b);
    int vs = h.valueSize();
    long max = Integer.toUnsignedLong(h.maxEntries());
    long nrU = Integer.toUnsignedLong(h.nrEntries());
    boolean leaf = h.isLeaf();
    boolean sane =
        h.blockNr() == loc
            && (leaf || h.isInternal())
            && (leaf ? (vs == 4 || vs == 8 || vs == 16 || vs == DeviceDetails.SIZE) : vs == 8)
            && NodeHeader.SIZE + max * (8 + vs) <= Blocks.BLOCK_SIZE
            && nrU <= max
            && (leaf || nrU > 0);
    if (!sane) {
      r.setKind(loc, ScanResult.BAD_NODE);
      return;
    }
    int nr = (int) nrU;
    int valuesAt = NodeHeader.SIZE + 8 * (int) max;
    boolean sorted = true;
    for (int i = 0; i < nr; i++) {
      keys[i] = b.getLong(NodeHeader.SIZE + 8 * i);
      if (i > 0 && Long.compareUnsigned(keys[i], keys[i - 1]) <= 0) {
        sorted = false;
      }
    }
    int flags = leaf ? ScanResult.F_LEAF : 0;
    if (!sorted) {
      if (!leaf) {
        r.setKind(loc, ScanResult.BAD_NODE);
        return;
      }
      flags |= ScanResult.F_UNSORTED;
    }
    if (vs == 4) {
      // Space-map reference-count leaves are not thin evidence.
      r.setKind(loc, ScanResult.OTHER);
      return;
    }
    if (vs == 16) {
      if (sorted && nr > 0) {
        r.dataIndexEvidence(keys[nr - 1], b.getLong(valuesAt + 16 * (nr - 1)));
      }
      r.setKind(loc, ScanResult.OTHER);
      return;
    }
    long maxTime = 0;
    int atMax = 0;
    long maxData = 0;
    boolean allSmall = true;
    if (vs == 8) {
      for (int i = 0; i < nr; i++) {
        values[i] = b.getLong(valuesAt + 8 * i);
      }
      if (leaf) {
        for (int i = 0; i < nr; i++) {
          long v = values[i];
          long t = BlockTime.time(v);
          if (t > maxTime) {
            maxTime = t;
            atMax = 1;
          } else if (t == maxTime) {
            atMax++;
          }
          maxData = Math.max(maxData, BlockTime.dataBlock(v));
          if (Long.compareUnsigned(v, r.smallLimit()) >= 0) {
            allSmall = false;
          }
        }
      }
    }
    if (!sorted && !sortUnique(keys, values, nr, vs == 8)) {
      r.setKind(loc, ScanResult.BAD_NODE);
      return;
    }
    long first = nr > 0 ? keys[0] : 0;
    long last = nr > 0 ? keys[nr - 1] : 0;
    boolean keep = vs == 8 && (!leaf || (allSmall && nr > 0));
    if (leaf && vs == 8 && allSmall && nr > 0) {
      flags |= ScanResult.F_ALL_SMALL;
    }
    r.addNode(
        loc,
        flags,
        vs,
        nr,
        first,
        last,
        maxTime,
        atMax,
        maxData,
        keep ? keys : null,
        keep ? values : null);
  }

  /** Sorts keys (and values alongside) ascending; false if two keys are equal. */
  private static boolean sortUnique(long[] keys, long[] values, int nr, boolean withValues) {
    for (int i = 1; i < nr; i++) {
      long k = keys[i];
      long v = withValues ? values[i] : 0;
      int j = i - 1;
      while (j >= 0 && Long.compareUnsigned(keys[j], k) > 0) {
        keys[j + 1] = keys[j];
        if (withValues) {
          values[j + 1] = values[j];
        }
        j--;
      }
      keys[j + 1] = k;
      if (withValues) {
        values[j + 1] = v;
      }
    }
    for (int i = 1; i < nr; i++) {
      if (keys[i] == keys[i - 1]) {
        return false;
      }
    }
    return true;
  }
}
