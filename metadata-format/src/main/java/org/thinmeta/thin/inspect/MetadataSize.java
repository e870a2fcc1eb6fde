package org.thinmeta.thin.inspect;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import org.thinmeta.pdata.btree.NodeHeader;
import org.thinmeta.pdata.io.Blocks;

/**
 * The metadata-size estimate of thin_metadata_size (format doc §10.5, 1.3.3's formula): one
 * superblock, mapping leaves assumed half full, and one root per thin device, capped at what the
 * metadata space map can address.
 */
public final class MetadataSize {
  /** Smallest data block size in bytes (64 KiB); block sizes must be multiples of it. */
  public static final long MIN_DATA_BLOCK_BYTES = 64 * 1024;

  /** Largest data block size in bytes (1 GiB). */
  public static final long MAX_DATA_BLOCK_BYTES = 1L << 30;

  /** Most metadata blocks a pool can use (255 bitmaps of 16320 blocks). */
  public static final long MAX_METADATA_BLOCKS = 255L * 16320;

  private MetadataSize() {}

  /**
   * Checks a data block size in bytes.
   *
   * @throws IllegalArgumentException with the reference's message
   */
  public static void checkBlockSize(long blockBytes) {
    if (blockBytes == 0 || (blockBytes & (MIN_DATA_BLOCK_BYTES - 1)) != 0) {
      throw new IllegalArgumentException("block size must be a multiple of 64 KiB");
    }
    if (Long.compareUnsigned(blockBytes, MAX_DATA_BLOCK_BYTES) > 0) {
      throw new IllegalArgumentException("maximum block size is 1 GiB");
    }
  }

  /**
   * The estimate in bytes for a pool of {@code poolBytes} with {@code blockBytes} data blocks and
   * up to {@code maxThins} devices (all unsigned).
   *
   * @throws IllegalArgumentException if the block size is invalid or larger than the pool
   */
  public static long estimateBytes(long blockBytes, long poolBytes, long maxThins) {
    checkBlockSize(blockBytes);
    if (Long.compareUnsigned(poolBytes, blockBytes) < 0) {
      throw new IllegalArgumentException("pool size must be larger than block size");
    }
    long nrBlocks = Long.divideUnsigned(poolBytes, blockBytes);
    long perLeaf = NodeHeader.maxEntriesFor(8) / 2;
    long leaves = nrBlocks / perLeaf + (nrBlocks % perLeaf == 0 ? 0 : 1);
    long total = 1 + leaves;
    total =
        Long.compareUnsigned(maxThins, MAX_METADATA_BLOCKS) >= 0
            ? MAX_METADATA_BLOCKS
            : Math.min(total + maxThins, MAX_METADATA_BLOCKS);
    return total * Blocks.BLOCK_SIZE;
  }

  /**
   * Formats a value as 1.3.3 prints it: the shortest decimal that reads back as the same double
   * when it is below 1 or integral, otherwise rounded (half to even on the exact value) to two
   * decimals. Never in exponent notation.
   */
  public static String formatValue(double v) {
    if (v < 1.0 || v == Math.rint(v)) {
      return shortest(v);
    }
    return new BigDecimal(v).setScale(2, RoundingMode.HALF_EVEN).toPlainString();
  }

  /** The shortest plain decimal that parses back to {@code v}. */
  static String shortest(double v) {
    if (v == 0) {
      return "0";
    }
    BigDecimal exact = new BigDecimal(v);
    for (int digits = 1; digits <= 17; digits++) {
      BigDecimal r = exact.round(new MathContext(digits, RoundingMode.HALF_EVEN));
      if (r.doubleValue() == v) {
        return plain(r);
      }
    }
    return plain(exact);
  }

  private static String plain(BigDecimal d) {
    BigDecimal s = d.stripTrailingZeros();
    if (s.scale() < 0) {
      s = s.setScale(0);
    }
    return s.toPlainString();
  }
}
