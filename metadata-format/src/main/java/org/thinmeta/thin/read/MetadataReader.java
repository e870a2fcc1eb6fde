package org.thinmeta.thin.read;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.SortedMap;
import java.util.TreeMap;
import org.thinmeta.pdata.btree.BTreeWalker;
import org.thinmeta.pdata.btree.KeyRange;
import org.thinmeta.pdata.btree.Node;
import org.thinmeta.pdata.btree.NodeChecks;
import org.thinmeta.pdata.damage.CorruptMetadataException;
import org.thinmeta.pdata.damage.DamageSink;
import org.thinmeta.pdata.io.BlockDevice;
import org.thinmeta.thin.format.DeviceDetails;
import org.thinmeta.thin.format.Superblock;

/** Strict reads of the thin structures: damage is thrown as {@link CorruptMetadataException}. */
public final class MetadataReader {
  private MetadataReader() {}

  /** A sink that stops at the first damage. */
  public static final DamageSink THROW =
      d -> {
        throw new CorruptMetadataException(d);
      };

  /** Reads block 0 and checks its checksum ({@code bad checksum in superblock}). */
  public static Superblock readSuperblock(BlockDevice dev) throws IOException {
    return readSuperblockAt(dev, 0);
  }

  /** Reads the superblock stored at {@code location} and checks its checksum. */
  public static Superblock readSuperblockAt(BlockDevice dev, long location) throws IOException {
    if (location < 0 || location >= dev.nrBlocks()) {
      throw new CorruptMetadataException(
          "superblock location " + Long.toUnsignedString(location) + " is beyond the metadata");
    }
    ByteBuffer b = dev.read(location);
    if (!Superblock.checksumOk(b)) {
      throw new CorruptMetadataException("bad checksum in superblock");
    }
    return Superblock.decode(b);
  }

  /**
   * Reads the metadata snapshot's superblock named by {@code live}.
   *
   * @throws CorruptMetadataException {@code no current metadata snap} if there is none
   */
  public static Superblock readSnapshotSuperblock(BlockDevice dev, Superblock live)
      throws IOException {
    if (live.metadataSnap() == 0) {
      throw new CorruptMetadataException("no current metadata snap");
    }
    return readSuperblockAt(dev, live.metadataSnap());
  }

  /** Number of blocks pointers may reach: the device, bounded by the metadata space map. */
  public static long metadataLimit(BlockDevice dev, Superblock sb) {
    long n = sb.metadataSmRoot().nrBlocks();
    if (n <= 0 || n > dev.nrBlocks()) {
      return dev.nrBlocks();
    }
    return n;
  }

  /** Reads the device-details tree. */
  public static SortedMap<Long, DeviceDetails> readDetails(BlockDevice dev, long limit, long root)
      throws IOException {
    SortedMap<Long, DeviceDetails> out = new TreeMap<>(Long::compareUnsigned);
    new BTreeWalker(dev, limit, THROW, NodeChecks.Policy.FATAL_ONLY, null, null)
        .walk(
            root,
            DeviceDetails.SIZE,
            new BTreeWalker.Visitor() {
              @Override
              public void leaf(Node leaf, KeyRange range) {
                for (int i = 0; i < leaf.nrEntries(); i++) {
                  out.put(leaf.key(i), DeviceDetails.decode(leaf.block(), leaf.valueOffset(i)));
                }
              }
            });
    return out;
  }

  /** Reads the top-level mapping tree: device id to bottom-level root. */
  public static SortedMap<Long, Long> readTopLevel(BlockDevice dev, long limit, long root)
      throws IOException {
    SortedMap<Long, Long> out = new TreeMap<>(Long::compareUnsigned);
    new BTreeWalker(dev, limit, THROW, NodeChecks.Policy.FATAL_ONLY, null, null)
        .walk(
            root,
            8,
            new BTreeWalker.Visitor() {
              @Override
              public void leaf(Node leaf, KeyRange range) {
                for (int i = 0; i < leaf.nrEntries(); i++) {
                  out.put(leaf.key(i), leaf.valueU64(i));
                }
              }
            });
    return out;
  }
}
