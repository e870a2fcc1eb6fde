package org.thinmeta.repair.check;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.function.Consumer;
import org.thinmeta.pdata.checksum.BlockKind;
import org.thinmeta.pdata.checksum.Checksums;
import org.thinmeta.pdata.damage.CorruptMetadataException;
import org.thinmeta.pdata.io.BlockDevice;
import org.thinmeta.pdata.io.MemoryBlockDevice;
import org.thinmeta.pdata.spacemap.Bitmap;
import org.thinmeta.pdata.spacemap.IndexEntry;
import org.thinmeta.pdata.spacemap.SmRoot;
import org.thinmeta.pdata.spacemap.SpaceMapReader;
import org.thinmeta.thin.format.Superblock;

/**
 * Test-only damage: edits blocks of a metadata image and recomputes their checksums (so that only
 * the intended damage is present), or breaks a checksum on purpose.
 */
final class DamageInjector {
  private final BlockDevice dev;

  DamageInjector(BlockDevice dev) {
    this.dev = dev;
  }

  /** Flips one byte near the end of a block without fixing its checksum. */
  void breakChecksum(long loc) throws IOException {
    ByteBuffer b = dev.read(loc);
    b.put(4000, (byte) (b.get(4000) ^ 0x5A));
    dev.write(loc, b);
  }

  /** Edits a block and stamps it with the checksum of {@code kind}. */
  void edit(long loc, BlockKind kind, Consumer<ByteBuffer> change) throws IOException {
    ByteBuffer b = dev.read(loc);
    change.accept(b);
    Checksums.stamp(b, kind);
    dev.write(loc, b);
  }

  /** Edits a btree node and restamps it. */
  void editNode(long loc, Consumer<ByteBuffer> change) throws IOException {
    edit(loc, BlockKind.NODE, change);
  }

  /** Edits the superblock and restamps it. */
  void editSuperblock(Consumer<ByteBuffer> change) throws IOException {
    edit(0, BlockKind.THIN_SUPERBLOCK, change);
  }

  /** Overwrites a block with zeroes. */
  void zero(long loc) throws IOException {
    dev.write(loc, ByteBuffer.allocate(4096));
  }

  /**
   * Sets the on-disk count (0..2) of {@code block} in the data or metadata space map, editing the
   * bitmap entry and restamping the bitmap.
   */
  void setCount(SpaceMapReader.Kind kind, long block, int count) throws IOException {
    if (count < 0 || count > 2) {
      throw new IllegalArgumentException("count must be 0..2");
    }
    Superblock sb = Superblock.decode(dev.read(0));
    SmRoot root = kind == SpaceMapReader.Kind.DATA ? sb.dataSmRoot() : sb.metadataSmRoot();
    SpaceMapReader r = new SpaceMapReader(dev, sb.metadataSmRoot().nrBlocks(), root, kind);
    List<IndexEntry> index =
        r.readIndex(
            null,
            d -> {
              throw new CorruptMetadataException(d);
            });
    IndexEntry e = index.get((int) (block / Bitmap.ENTRIES_PER_BLOCK));
    int j = (int) (block % Bitmap.ENTRIES_PER_BLOCK);
    edit(e.blockNr(), BlockKind.BITMAP, b -> Bitmap.set(b, j, count));
  }

  /** The index entry (bitmap location) of the data space map's bitmap {@code i}. */
  long dataBitmap(int i) throws IOException {
    Superblock sb = Superblock.decode(dev.read(0));
    SpaceMapReader r =
        new SpaceMapReader(
            dev, sb.metadataSmRoot().nrBlocks(), sb.dataSmRoot(), SpaceMapReader.Kind.DATA);
    return r.readIndex(null, d -> {}).get(i).blockNr();
  }

  /**
   * Rewrites a node with another max_entries, moving its values so that it stays readable (only the
   * max_entries rules can then fail).
   */
  void setMaxEntries(long loc, int max) throws IOException {
    editNode(
        loc,
        b -> {
          int nr = b.getInt(16);
          int oldMax = b.getInt(20);
          int vs = b.getInt(24);
          byte[] values = new byte[nr * vs];
          b.get(32 + 8 * oldMax, values);
          for (int i = 32 + 8 * nr; i < 4096; i++) {
            b.put(i, (byte) 0);
          }
          b.put(32 + 8 * max, values);
          b.putInt(20, max);
        });
  }

  /** A copy of a memory device truncated to {@code nrBlocks}. */
  static MemoryBlockDevice truncated(MemoryBlockDevice dev, long nrBlocks) {
    byte[] all = dev.toByteArray();
    byte[] part = new byte[Math.toIntExact(nrBlocks * 4096)];
    System.arraycopy(all, 0, part, 0, part.length);
    return MemoryBlockDevice.of(part);
  }
}
