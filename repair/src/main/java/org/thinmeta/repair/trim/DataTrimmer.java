package org.thinmeta.repair.trim;

import java.io.IOException;
import org.thinmeta.pdata.io.BlockDevice;
import org.thinmeta.pdata.io.Blocks;
import org.thinmeta.thin.format.Superblock;
import org.thinmeta.thin.read.MetadataReader;

/** Discards every run of free data blocks of a pool (format doc §10.4, steps 2 and 3). */
public final class DataTrimmer {
  /**
   * What was done.
   *
   * @param ranges runs discarded
   * @param blocks data blocks discarded
   * @param bytes bytes discarded
   */
  public record Result(long ranges, long blocks, long bytes) {}

  /** A data device smaller than the pool. */
  public static final class DataDeviceTooSmall extends IOException {
    private static final long serialVersionUID = 1L;

    DataDeviceTooSmall(long wanted) {
      super("unexpected data device size, wanted " + Long.toUnsignedString(wanted) + " bytes");
    }
  }

  private DataTrimmer() {}

  /**
   * Reads the live superblock and data space map of {@code metadata} and discards every free run on
   * a data device of {@code dataDeviceBytes}.
   *
   * @throws DataDeviceTooSmall if the data device cannot hold the pool's data blocks
   */
  public static Result trim(BlockDevice metadata, long dataDeviceBytes, Discarder discarder)
      throws IOException {
    Superblock sb = MetadataReader.readSuperblock(metadata);
    long limit = MetadataReader.metadataLimit(metadata, sb);
    long blockBytes = sb.dataBlockSize() * Blocks.SECTOR_SIZE;
    long nr = sb.dataSmRoot().nrBlocks();
    long wanted = Math.multiplyExact(nr, blockBytes);
    if (Long.compareUnsigned(dataDeviceBytes, wanted) < 0) {
      throw new DataDeviceTooSmall(wanted);
    }
    long[] acc = new long[2];
    FreeRanges.scan(
        metadata,
        limit,
        sb.dataSmRoot(),
        (b, e) -> {
          discarder.discard(b * blockBytes, (e - b) * blockBytes);
          acc[0]++;
          acc[1] += e - b;
        });
    return new Result(acc[0], acc[1], acc[1] * blockBytes);
  }
}
