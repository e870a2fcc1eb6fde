package org.thinmeta.pdata.io;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A metadata device seen as an array of 4096-byte blocks. Buffers returned by {@link #read} are
 * little-endian, positioned at 0, and owned by the caller.
 */
public interface BlockDevice extends Closeable {
  /** Number of whole blocks on the device. */
  long nrBlocks();

  /** Reads one block into a fresh little-endian buffer. */
  ByteBuffer read(long location) throws IOException;

  /**
   * Reads consecutive blocks starting at {@code start} into {@code dst} from its position up to its
   * limit (a whole number of blocks), leaving the position at the limit. For sequential scans: the
   * default reads block by block; file devices read the range at once, and when {@code dst} is a
   * direct buffer aligned to 4096 bytes, without an intermediate copy.
   */
  default void readRange(long start, ByteBuffer dst) throws IOException {
    int count = dst.remaining() / Blocks.BLOCK_SIZE;
    for (int i = 0; i < count; i++) {
      dst.put(read(start + i));
    }
  }

  /**
   * Reads {@code count} consecutive blocks from {@code location} into one fresh little-endian
   * buffer, block {@code i} at byte {@code i * 4096} (read-ahead: one I/O instead of many). The
   * default reads them one by one.
   */
  default ByteBuffer readRun(long location, int count) throws IOException {
    ByteBuffer out =
        ByteBuffer.allocate(Math.multiplyExact(count, Blocks.BLOCK_SIZE))
            .order(java.nio.ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < count; i++) {
      out.put(i * Blocks.BLOCK_SIZE, read(location + i), 0, Blocks.BLOCK_SIZE);
    }
    return out;
  }

  /**
   * Writes one block (bytes 0..4095 of {@code block}, regardless of its position).
   *
   * @throws IOException on failure, or if the device was opened read-only
   */
  void write(long location, ByteBuffer block) throws IOException;

  /**
   * Writes {@code count} consecutive blocks held in {@code blocks} (bytes {@code 0 .. count *
   * 4096}, regardless of its position) from {@code location} on. The default writes them one by
   * one; a device may issue one request.
   *
   * @throws IOException on failure, or if the device was opened read-only
   */
  default void writeBlocks(long location, ByteBuffer blocks, int count) throws IOException {
    for (int i = 0; i < count; i++) {
      ByteBuffer one =
          Blocks.le(
              blocks
                  .duplicate()
                  .position(i * Blocks.BLOCK_SIZE)
                  .limit((i + 1) * Blocks.BLOCK_SIZE)
                  .slice());
      write(location + i, one);
    }
  }

  /** Forces every write so far to stable storage. */
  void flush() throws IOException;

  /** True if writes are refused. */
  boolean readOnly();

  /**
   * True if every read goes to the device itself (O_DIRECT, no page cache) and pays its latency:
   * then reading ahead on other threads is worth its hand-offs. Reads of a regular file come from
   * the page cache, where they cost less than the hand-off.
   */
  default boolean directIo() {
    return false;
  }

  /** A description of the device for messages, e.g. its path. */
  String description();

  @Override
  void close() throws IOException;
}
