package org.thinmeta.repair.check;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.thinmeta.pdata.io.BlockDevice;
import org.thinmeta.pdata.io.Blocks;
import org.thinmeta.pdata.io.FileBlockDevice;
import org.thinmeta.pdata.io.MemoryBlockDevice;

/** Read-ahead returns exactly the blocks the device holds, from runs or not. */
class ReadAheadTest {
  static MemoryBlockDevice numbered(int n) throws IOException {
    MemoryBlockDevice d = new MemoryBlockDevice(n);
    for (int i = 0; i < n; i++) {
      ByteBuffer b = Blocks.allocate();
      b.putLong(0, 1000 + i);
      b.putLong(4088, 2000 + i);
      d.write(i, b);
    }
    return d;
  }

  static void assertBlock(BlockDevice d, long loc) throws IOException {
    ByteBuffer b = d.read(loc);
    assertEquals(1000 + loc, b.getLong(0));
    assertEquals(2000 + loc, b.getLong(4088));
    assertEquals(Blocks.BLOCK_SIZE, b.remaining());
  }

  @Test
  void prefetchedAndUnprefetchedReads(@TempDir Path dir) throws IOException {
    MemoryBlockDevice mem = numbered(40);
    Path file = dir.resolve("img");
    Files.write(file, mem.toByteArray());
    try (FileBlockDevice f = FileBlockDevice.open(file, FileBlockDevice.Mode.READ_ONLY, false)) {
      for (BlockDevice d : new BlockDevice[] {mem, f}) {
        ReadAhead ra = new ReadAhead(d);

        ra.prefetch(new long[] {7, 5, 6, 9, 30, 31, 32, 99, -1}, 9);

        for (long loc : new long[] {5, 6, 7, 9, 30, 31, 32, 8, 0, 39, 5}) {
          assertBlock(ra, loc);
        }
        ByteBuffer run = d.readRun(3, 4);
        assertEquals(4 * Blocks.BLOCK_SIZE, run.remaining());
        assertEquals(1005, run.getLong(2 * Blocks.BLOCK_SIZE));
      }
    }
  }
}
