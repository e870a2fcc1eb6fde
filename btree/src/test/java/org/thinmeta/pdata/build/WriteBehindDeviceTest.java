package org.thinmeta.pdata.build;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.thinmeta.pdata.io.BlockDevice;
import org.thinmeta.pdata.io.Blocks;
import org.thinmeta.pdata.io.MemoryBlockDevice;

class WriteBehindDeviceTest {
  /** Counts flushes; fails them on demand. */
  static final class Counting implements BlockDevice {
    final MemoryBlockDevice mem = new MemoryBlockDevice(100);
    final AtomicInteger flushes = new AtomicInteger();
    volatile boolean fail;

    @Override
    public long nrBlocks() {
      return mem.nrBlocks();
    }

    @Override
    public ByteBuffer read(long location) throws IOException {
      return mem.read(location);
    }

    @Override
    public void write(long location, ByteBuffer block) throws IOException {
      mem.write(location, block);
    }

    @Override
    public void flush() throws IOException {
      if (fail) {
        throw new IOException("flush failed");
      }
      flushes.incrementAndGet();
    }

    @Override
    public boolean readOnly() {
      return false;
    }

    @Override
    public String description() {
      return "counting";
    }

    @Override
    public void close() {}
  }

  @Test
  void flushesInTheBackground_andFlushWaitsForEverything() throws IOException {
    Counting dev = new Counting();
    WriteBehindDevice w = new WriteBehindDevice(dev, 10);
    ByteBuffer b = Blocks.allocate();
    for (int i = 0; i < 35; i++) {
      b.put(100, (byte) i);
      w.write(i, b);
    }
    w.flush();
    assertTrue(dev.flushes.get() >= 2, "background flushes plus the final one");
    assertArrayEquals(b.array(), w.read(34).array());
    w.close();
  }

  @Test
  void backgroundFailure_isReported() throws IOException {
    Counting dev = new Counting();
    dev.fail = true;
    WriteBehindDevice w = new WriteBehindDevice(dev, 1);
    w.write(0, Blocks.allocate());
    IOException e = assertThrows(IOException.class, w::flush);
    assertEquals("flush failed", e.getMessage());
    w.close();
  }
}
