package org.thinmeta.pdata.build;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.thinmeta.pdata.io.BlockDevice;
import org.thinmeta.pdata.io.Blocks;
import org.thinmeta.pdata.io.FileBlockDevice;
import org.thinmeta.pdata.io.MemoryBlockDevice;

class WriteBehindDeviceTest {
  /** Counts flushes; fails them on demand. */
  static final class Counting implements BlockDevice {
    final MemoryBlockDevice mem = new MemoryBlockDevice(100);
    final AtomicInteger flushes = new AtomicInteger();
    final AtomicInteger requests = new AtomicInteger();
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
      requests.incrementAndGet();
      mem.write(location, block);
    }

    @Override
    public void writeBlocks(long location, ByteBuffer blocks, int count) throws IOException {
      requests.incrementAndGet();
      for (int i = 0; i < count; i++) {
        ByteBuffer one = Blocks.allocate();
        one.put(blocks.duplicate().position(i * 4096).limit((i + 1) * 4096));
        mem.write(location + i, one);
      }
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
  void consecutiveWrites_gatheredIntoRuns_readsSeeUnflushedWrites(@TempDir Path dir)
      throws IOException {
    Counting dev = new Counting();
    WriteBehindDevice w = new WriteBehindDevice(dev, 1000);
    ByteBuffer b = Blocks.allocate();
    for (int i = 0; i < 100; i++) {
      b.putInt(200, i);
      w.write(i, b);
    }
    assertEquals(99, w.read(99).getInt(200), "read from the pending run");
    assertEquals(0, dev.mem.read(99).getInt(200), "not written yet");
    w.write(50, b);
    w.flush();
    assertEquals(3, dev.requests.get(), "64 + 36 blocks, then block 50 alone");
    assertEquals(99, dev.mem.read(50).getInt(200));
    assertEquals(98, dev.mem.read(98).getInt(200));
    w.close();

    Path file = dir.resolve("img");
    try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(file.toFile(), "rw")) {
      f.setLength(200 * 4096L);
    }
    try (FileBlockDevice fd = FileBlockDevice.open(file, FileBlockDevice.Mode.READ_WRITE, false)) {
      WriteBehindDevice fw = new WriteBehindDevice(fd, 16);
      for (int i = 0; i < 150; i++) {
        b.putInt(300, i * 7);
        fw.write(i == 149 ? 199 : i, b);
      }
      fw.flush();
      fw.close();
      assertEquals(7 * 148, fd.read(148).getInt(300));
      assertEquals(7 * 149, fd.read(199).getInt(300));
      assertEquals(0, fd.read(149).getInt(300));
      assertThrows(IOException.class, () -> fw.write(200, b));
    }
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
