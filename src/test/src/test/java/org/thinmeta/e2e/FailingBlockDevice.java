package org.thinmeta.e2e;

import java.io.IOException;
import java.nio.ByteBuffer;
import org.thinmeta.pdata.io.BlockDevice;

/**
 * A block device that fails once a chosen block is touched or after a number of writes: read
 * errors, short reads, write errors (EIO) and a full device (ENOSPC), with the messages the kernel
 * would give.
 */
final class FailingBlockDevice implements BlockDevice {
  /** The kinds of fault. */
  enum Kind {
    READ_ERROR,
    SHORT_READ,
    WRITE_ERROR,
    ENOSPC
  }

  private final BlockDevice inner;
  private final Kind kind;
  private final long block;
  private final int afterWrites;
  private int writes;
  private int faults;

  /**
   * Fails the access to {@code block} (any block if negative) once {@code afterWrites} writes have
   * succeeded (reads ignore the count).
   */
  FailingBlockDevice(BlockDevice inner, Kind kind, long block, int afterWrites) {
    this.inner = inner;
    this.kind = kind;
    this.block = block;
    this.afterWrites = afterWrites;
  }

  /** How many writes succeeded. */
  synchronized int writes() {
    return writes;
  }

  /** How many operations failed. */
  synchronized int faults() {
    return faults;
  }

  private boolean hits(long location) {
    return block < 0 || location == block;
  }

  @Override
  public long nrBlocks() {
    return inner.nrBlocks();
  }

  @Override
  public synchronized ByteBuffer read(long location) throws IOException {
    if (hits(location)) {
      if (kind == Kind.READ_ERROR) {
        faults++;
        throw new IOException("Input/output error");
      }
      if (kind == Kind.SHORT_READ) {
        faults++;
        throw new IOException("short read at block " + location + " of " + description());
      }
    }
    return inner.read(location);
  }

  @Override
  public synchronized ByteBuffer readRun(long location, int count) throws IOException {
    if (kind == Kind.READ_ERROR || kind == Kind.SHORT_READ) {
      for (int i = 0; i < count; i++) {
        if (hits(location + i)) {
          return BlockDevice.super.readRun(location, count);
        }
      }
    }
    return inner.readRun(location, count);
  }

  @Override
  public synchronized void write(long location, ByteBuffer block) throws IOException {
    if ((kind == Kind.WRITE_ERROR || kind == Kind.ENOSPC)
        && writes >= afterWrites
        && hits(location)) {
      faults++;
      throw new IOException(kind == Kind.ENOSPC ? "No space left on device" : "Input/output error");
    }
    inner.write(location, block);
    writes++;
  }

  @Override
  public void flush() throws IOException {
    inner.flush();
  }

  @Override
  public boolean readOnly() {
    return inner.readOnly();
  }

  @Override
  public String description() {
    return inner.description();
  }

  @Override
  public void close() throws IOException {
    inner.close();
  }
}
