package org.thinmeta.repair.restore;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import org.thinmeta.pdata.build.MetadataSpace;
import org.thinmeta.pdata.damage.CorruptMetadataException;
import org.thinmeta.pdata.damage.DamageSink;
import org.thinmeta.pdata.io.BlockDevice;
import org.thinmeta.pdata.spacemap.Bitmap;
import org.thinmeta.pdata.spacemap.IndexEntry;
import org.thinmeta.pdata.spacemap.SmRoot;
import org.thinmeta.pdata.spacemap.SpaceMapReader;
import org.thinmeta.thin.format.Superblock;

/**
 * The metadata a restore's output already holds, as far as the restore must leave it intact until
 * its new superblock is written: the blocks the old metadata space map counts as in use.
 *
 * <p>The output holds valid old metadata if block 0 is a superblock (checksum, magic, {@code
 * blocknr} 0) whose metadata space map is readable: its nr_blocks is within the device, its index
 * block and every bitmap it lists have good checksums and their own location. The space map counts
 * every block reachable from the superblock, including the metadata snapshot's superblock and trees
 * (format doc §5, §6); the blocks the superblocks name directly (the snapshot, the tree roots, the
 * space maps' roots) are added anyway, so that a space map that undercounts them does not get them
 * overwritten.
 */
public final class OldMetadata {
  private static final long PAIR_LOW_BITS = 0x5555555555555555L;

  private static final DamageSink THROW =
      d -> {
        throw new CorruptMetadataException(d);
      };

  private OldMetadata() {}

  /**
   * The blocks of the old metadata on {@code out} as a bit set over {@code min(out blocks,
   * MetadataSpace.MAX_BLOCKS)} blocks (bit {@code b % 64} of word {@code b / 64}), or null if
   * {@code out} holds no valid metadata (or reading it failed).
   */
  public static long[] usedBlocks(BlockDevice out) {
    try {
      return read(out);
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  private static long[] read(BlockDevice out) throws IOException {
    long n = Math.min(out.nrBlocks(), MetadataSpace.MAX_BLOCKS);
    if (n < 1) {
      return null;
    }
    ByteBuffer b0 = out.read(0);
    if (!Superblock.checksumOk(b0)) {
      return null;
    }
    Superblock sb = Superblock.decode(b0);
    if (sb.magic() != Superblock.MAGIC || sb.blockNr() != 0) {
      return null;
    }
    SmRoot meta = sb.metadataSmRoot();
    long nrBlocks = meta.nrBlocks();
    if (nrBlocks <= 0 || nrBlocks > n) {
      return null;
    }
    SpaceMapReader reader = new SpaceMapReader(out, nrBlocks, meta, SpaceMapReader.Kind.METADATA);
    List<IndexEntry> index = reader.readIndex(null, THROW);
    long[] used = new long[(int) ((n + 63) >>> 6)];
    set(used, n, 0);
    set(used, n, meta.bitmapRoot());
    for (int i = 0; i < index.size(); i++) {
      IndexEntry e = index.get(i);
      ByteBuffer bitmap = reader.readBitmap(i, e);
      if (Bitmap.blockNr(bitmap) != e.blockNr()) {
        return null;
      }
      set(used, n, e.blockNr());
      long base = (long) i * Bitmap.ENTRIES_PER_BLOCK;
      long valid = Math.min(Bitmap.ENTRIES_PER_BLOCK, nrBlocks - base);
      for (int w = 0; w * 32L < valid; w++) {
        long word = bitmap.getLong(Bitmap.DATA_OFFSET + 8 * w);
        // One bit per entry whose 2-bit count is not 0.
        long nonZero = (word | (word >>> 1)) & PAIR_LOW_BITS;
        while (nonZero != 0) {
          long j = w * 32L + (Long.numberOfTrailingZeros(nonZero) >>> 1);
          if (j < valid) {
            set(used, n, base + j);
          }
          nonZero &= nonZero - 1;
        }
      }
    }
    set(used, n, meta.refCountRoot());
    set(used, n, sb.dataSmRoot().bitmapRoot());
    set(used, n, sb.dataSmRoot().refCountRoot());
    set(used, n, sb.mappingRoot());
    set(used, n, sb.detailsRoot());
    long snap = sb.metadataSnap();
    if (snap > 0 && snap < n) {
      set(used, n, snap);
      ByteBuffer s = out.read(snap);
      if (Superblock.checksumOk(s)) {
        Superblock ss = Superblock.decode(s);
        set(used, n, ss.mappingRoot());
        set(used, n, ss.detailsRoot());
      }
    }
    return used;
  }

  private static void set(long[] bits, long n, long block) {
    if (block >= 0 && block < n) {
      bits[(int) (block >>> 6)] |= 1L << block;
    }
  }
}
