package org.thinmeta.pdata.build;

import java.io.IOException;
import java.nio.ByteBuffer;
import org.thinmeta.pdata.checksum.BlockKind;
import org.thinmeta.pdata.checksum.Checksums;
import org.thinmeta.pdata.io.BlockDevice;
import org.thinmeta.pdata.io.Blocks;
import org.thinmeta.pdata.spacemap.Bitmap;

/**
 * The metadata blocks of an image being written: an in-memory reference count per block, a next-fit
 * allocator over them, and checksummed block writes. Every block this class writes carries its own
 * location at offset 8 (the {@code blocknr} of nodes, bitmaps, index blocks and superblocks alike).
 *
 * <p>A writer that must not overwrite the blocks of metadata already on the device (so that a crash
 * before its new superblock leaves the old metadata intact) names them with {@link #avoid}: the
 * allocator then skips them, until nothing else is free.
 */
public final class MetadataSpace {
  /** What to do, once, when only avoided blocks are left free. */
  @FunctionalInterface
  public interface WhenOnlyAvoidedLeft {
    /**
     * Runs before the first avoided block is handed out; after it returns the allocator may use
     * every free block. If it throws, the allocation fails with its exception and the blocks stay
     * avoided (the next allocation runs it again).
     */
    void run() throws IOException;
  }

  /** The most blocks a metadata space map can track: 255 index entries of 16320 blocks. */
  public static final long MAX_BLOCKS = 255L * Bitmap.ENTRIES_PER_BLOCK;

  private static final int BLOCKNR_OFFSET = 8;

  private final BlockDevice device;
  private final int[] counts;
  private int cursor;
  private long allocated;
  private long writes;
  private long[] avoided;
  private WhenOnlyAvoidedLeft whenOnlyAvoidedLeft;

  /** Tracks {@code min(device blocks, MAX_BLOCKS)} blocks of {@code device}, all free. */
  public MetadataSpace(BlockDevice device) {
    this.device = device;
    this.counts = new int[(int) Math.min(device.nrBlocks(), MAX_BLOCKS)];
  }

  /** The device written to. */
  public BlockDevice device() {
    return device;
  }

  /** Number of blocks tracked (the metadata space map's nr_blocks). */
  public long nrBlocks() {
    return counts.length;
  }

  /** Number of blocks with a non-zero count (the space map's nr_allocated). */
  public long nrAllocated() {
    return allocated;
  }

  /** Number of blocks written so far. */
  public long writes() {
    return writes;
  }

  /** The reference count of {@code block}. */
  public long count(long block) {
    return Integer.toUnsignedLong(counts[index(block)]);
  }

  /** Takes a specific free block (the superblock's block 0) with count 1. */
  public void reserve(long block) {
    int i = index(block);
    if (counts[i] != 0) {
      throw new IllegalStateException("block " + block + " is already in use");
    }
    counts[i] = 1;
    allocated++;
  }

  /**
   * Keeps {@link #allocate} off the blocks set in {@code blocks} (bit {@code b % 64} of word {@code
   * b / 64} for block {@code b}; blocks beyond the set are not avoided). When no other block is
   * free, {@code whenFull} runs once and from then on every block may be allocated. Only the
   * allocator heeds the set: {@link #reserve}, {@link #inc} and {@link #write} do not.
   */
  public void avoid(long[] blocks, WhenOnlyAvoidedLeft whenFull) {
    long[] set = new long[(counts.length + 63) >>> 6];
    System.arraycopy(blocks, 0, set, 0, Math.min(blocks.length, set.length));
    int tail = counts.length & 63;
    if (tail != 0) {
      set[set.length - 1] &= (1L << tail) - 1;
    }
    this.avoided = set;
    this.whenOnlyAvoidedLeft = whenFull;
  }

  /** True while {@code block} is one that {@link #allocate} skips. */
  public boolean avoids(long block) {
    int i = index(block);
    long[] set = avoided;
    return set != null && (set[i >>> 6] & (1L << i)) != 0;
  }

  /**
   * Allocates a free block with count 1: the first free one after the last allocation, wrapping to
   * the start (next fit), so a fresh image is laid out in order. Blocks named by {@link #avoid} are
   * skipped while any other block is free.
   *
   * @throws OutOfMetadataSpaceException if every block is in use
   * @throws IOException from the {@link #avoid} callback
   */
  public long allocate() throws IOException {
    int n = counts.length;
    long[] set = avoided;
    if (set == null) {
      for (int tried = 0; tried < n; tried++) {
        int b = cursor;
        cursor = cursor + 1 == n ? 0 : cursor + 1;
        if (counts[b] == 0) {
          counts[b] = 1;
          allocated++;
          return b;
        }
      }
      throw new OutOfMetadataSpaceException();
    }
    for (int tried = 0; tried < n; tried++) {
      int b = cursor;
      cursor = cursor + 1 == n ? 0 : cursor + 1;
      if (counts[b] == 0 && (set[b >>> 6] & (1L << b)) == 0) {
        counts[b] = 1;
        allocated++;
        return b;
      }
    }
    // Avoided blocks are handed out only once the callback has succeeded.
    whenOnlyAvoidedLeft.run();
    avoided = null;
    whenOnlyAvoidedLeft = null;
    return allocate();
  }

  /** Adds one reference to {@code block}. */
  public void inc(long block) {
    int i = index(block);
    if (counts[i] == -1) {
      throw new IllegalStateException("reference count overflow of block " + block);
    }
    if (counts[i]++ == 0) {
      allocated++;
    }
  }

  /** Drops one reference to {@code block}; at zero the block is free again. */
  public void dec(long block) {
    int i = index(block);
    if (counts[i] == 0) {
      throw new IllegalStateException("reference count of block " + block + " is already 0");
    }
    if (--counts[i] == 0) {
      allocated--;
    }
  }

  /**
   * Stores {@code block}'s own location at offset 8, stamps the checksum of {@code kind}, writes.
   */
  public void write(long location, ByteBuffer block, BlockKind kind) throws IOException {
    ByteBuffer b = Blocks.le(block);
    b.putLong(BLOCKNR_OFFSET, location);
    Checksums.stamp(b, kind);
    device.write(location, b);
    writes++;
  }

  /** Reads back a block written earlier. */
  public ByteBuffer read(long location) throws IOException {
    return device.read(location);
  }

  private int index(long block) {
    if (block < 0 || block >= counts.length) {
      throw new IllegalArgumentException("metadata block " + block + " out of range");
    }
    return (int) block;
  }
}
