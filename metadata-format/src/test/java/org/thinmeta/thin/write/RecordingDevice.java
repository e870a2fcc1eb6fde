package org.thinmeta.thin.write;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.BitSet;
import org.thinmeta.pdata.io.BlockDevice;

/** A device that remembers which blocks were written since the last {@link #drain}. */
final class RecordingDevice implements BlockDevice {
  private final BlockDevice inner;
  private BitSet written = new BitSet();

  RecordingDevice(BlockDevice inner) {
    this.inner = inner;
  }

  BitSet drain() {
    BitSet w = written;
    written = new BitSet();
    return w;
  }

  @Override
  public long nrBlocks() {
    return inner.nrBlocks();
  }

  @Override
  public ByteBuffer read(long location) throws IOException {
    return inner.read(location);
  }

  @Override
  public void write(long location, ByteBuffer block) throws IOException {
    written.set((int) location);
    inner.write(location, block);
  }

  @Override
  public void flush() throws IOException {
    inner.flush();
  }

  @Override
  public boolean readOnly() {
    return false;
  }

  @Override
  public String description() {
    return "recording";
  }

  @Override
  public void close() {}
}
