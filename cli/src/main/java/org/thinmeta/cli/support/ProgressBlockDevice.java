package org.thinmeta.cli.support;

import java.io.IOException;
import java.nio.ByteBuffer;
import org.thinmeta.pdata.Progress;
import org.thinmeta.pdata.io.BlockDevice;
import org.thinmeta.thin.format.Superblock;

/**
 * A device that reports every block read to a {@link Progress}, for tools whose work is reading the
 * allocated metadata once (check, dump, ls, rmap).
 */
public final class ProgressBlockDevice implements BlockDevice {
  private final BlockDevice inner;
  private final Progress progress;

  private ProgressBlockDevice(BlockDevice inner, Progress progress) {
    this.inner = inner;
    this.progress = progress;
  }

  /**
   * Wraps {@code dev} and starts a phase titled {@code title} whose size is the number of metadata
   * blocks the superblock's space map says are in use (what a full walk reads).
   */
  public static BlockDevice track(BlockDevice dev, Progress progress, String title) {
    if (progress == Progress.NONE) {
      return dev;
    }
    long total = dev.nrBlocks();
    try {
      ByteBuffer b = dev.read(0);
      if (Superblock.checksumOk(b)) {
        long allocated = Superblock.decode(b).metadataSmRoot().nrAllocated();
        if (allocated > 0 && allocated <= dev.nrBlocks()) {
          total = allocated;
        }
      }
    } catch (IOException e) {
      // The tool reports a bad superblock itself.
    }
    progress.begin(title, total);
    return new ProgressBlockDevice(dev, progress);
  }

  @Override
  public long nrBlocks() {
    return inner.nrBlocks();
  }

  @Override
  public ByteBuffer read(long location) throws IOException {
    ByteBuffer b = inner.read(location);
    progress.advance(1);
    return b;
  }

  @Override
  public ByteBuffer readRun(long location, int count) throws IOException {
    ByteBuffer b = inner.readRun(location, count);
    progress.advance(count);
    return b;
  }

  @Override
  public void write(long location, ByteBuffer block) throws IOException {
    inner.write(location, block);
  }

  @Override
  public void writeBlocks(long location, ByteBuffer blocks, int count) throws IOException {
    inner.writeBlocks(location, blocks, count);
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
  public boolean directIo() {
    return inner.directIo();
  }

  @Override
  public String description() {
    return inner.description();
  }

  /** Ends the progress phase; the wrapped device stays open (its owner closes it). */
  @Override
  public void close() {
    progress.end();
  }
}
