package org.thinmeta.pdata.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileBlockDeviceTest {
  @TempDir Path dir;

  /** An image of {@code n} blocks where byte 0 of block i is i + 1, plus {@code extra} bytes. */
  private static byte[] image(int n, int extra) {
    byte[] b = new byte[n * Blocks.BLOCK_SIZE + extra];
    for (int i = 0; i < n; i++) {
      b[i * Blocks.BLOCK_SIZE] = (byte) (i + 1);
      b[i * Blocks.BLOCK_SIZE + 4095] = (byte) (0x80 | i);
    }
    return b;
  }

  @Test
  void regularFile_blocksAreReadAtTheirOffsets() throws IOException {
    Path f = dir.resolve("meta.bin");
    Files.write(f, image(3, 0));

    try (FileBlockDevice dev = FileBlockDevice.open(f, FileBlockDevice.Mode.READ_ONLY, true)) {
      assertEquals(3, dev.nrBlocks());
      ByteBuffer b = dev.read(2);
      assertEquals(ByteOrder.LITTLE_ENDIAN, b.order());
      assertEquals(0, b.position());
      assertEquals(Blocks.BLOCK_SIZE, b.remaining());
      assertEquals(3, b.get(0));
      assertEquals((byte) 0x82, b.get(4095));
      assertTrue(dev.readOnly());
      assertEquals(f.toString(), dev.description());
    }
  }

  @Test
  void readRange_fillsHeapAndAlignedDirectBuffersLikeSingleReads() throws IOException {
    Path f = dir.resolve("meta.bin");
    Files.write(f, image(5, 0));
    try (FileBlockDevice dev = FileBlockDevice.open(f, FileBlockDevice.Mode.READ_ONLY, true)) {
      ByteBuffer heap = ByteBuffer.allocate(3 * Blocks.BLOCK_SIZE);
      ByteBuffer direct =
          ByteBuffer.allocateDirect(4 * Blocks.BLOCK_SIZE)
              .alignedSlice(Blocks.BLOCK_SIZE)
              .limit(3 * Blocks.BLOCK_SIZE);
      for (ByteBuffer b : new ByteBuffer[] {heap, direct}) {
        dev.readRange(2, b);
        assertEquals(b.limit(), b.position());
        for (int i = 0; i < 3; i++) {
          assertEquals(i + 3, b.get(i * Blocks.BLOCK_SIZE));
          assertEquals((byte) (0x80 | (i + 2)), b.get(i * Blocks.BLOCK_SIZE + 4095));
        }
      }
      IOException e = assertThrows(IOException.class, () -> dev.readRange(3, heap.clear()));
      assertEquals("blocks 3..5 are beyond the end of " + f, e.getMessage());
    }
  }

  @Test
  void defaultReadRange_readsBlockByBlock() throws IOException {
    MemoryBlockDevice dev = MemoryBlockDevice.of(image(4, 0));
    ByteBuffer b = ByteBuffer.allocate(2 * Blocks.BLOCK_SIZE);
    dev.readRange(1, b);
    assertEquals(2, b.get(0));
    assertEquals(3, b.get(Blocks.BLOCK_SIZE));
  }

  @Test
  void regularFile_partialTrailingBlockIsIgnored() throws IOException {
    Path f = dir.resolve("meta.bin");
    Files.write(f, image(2, 4095));

    try (FileBlockDevice dev = FileBlockDevice.open(f, FileBlockDevice.Mode.READ_ONLY, true)) {
      assertEquals(2, dev.nrBlocks());
      IOException e = assertThrows(IOException.class, () -> dev.read(2));
      assertEquals("block 2 is beyond the end of " + f, e.getMessage());
      assertThrows(IOException.class, () -> dev.read(-1));
    }
  }

  @Test
  void readOnly_refusesWrites_andLeavesTheFileAlone() throws IOException {
    Path f = dir.resolve("meta.bin");
    byte[] original = image(2, 0);
    Files.write(f, original);

    try (FileBlockDevice dev = FileBlockDevice.open(f, FileBlockDevice.Mode.READ_ONLY, true)) {
      IOException e = assertThrows(IOException.class, () -> dev.write(0, Blocks.allocate()));
      assertEquals(f + " was opened read-only", e.getMessage());
    }
    assertArrayEquals(original, Files.readAllBytes(f));
  }

  @Test
  void readWrite_writesWholeBlocksInPlace() throws IOException {
    Path f = dir.resolve("meta.bin");
    Files.write(f, image(3, 0));
    ByteBuffer block = Blocks.allocate();
    block.putLong(0, 0x1122334455667788L);
    block.position(100); // the position must not matter

    try (FileBlockDevice dev = FileBlockDevice.open(f, FileBlockDevice.Mode.READ_WRITE, true)) {
      dev.write(1, block);
      dev.flush();
      assertFalse(dev.readOnly());
      assertThrows(IOException.class, () -> dev.write(3, Blocks.allocate()));
    }

    byte[] after = Files.readAllBytes(f);
    assertEquals(3 * Blocks.BLOCK_SIZE, after.length);
    assertEquals((byte) 0x88, after[Blocks.BLOCK_SIZE]);
    assertEquals((byte) 0x11, after[Blocks.BLOCK_SIZE + 7]);
    assertEquals(0, after[2 * Blocks.BLOCK_SIZE - 1]);
    assertEquals(1, after[0]);
    assertEquals(3, after[2 * Blocks.BLOCK_SIZE]);
  }

  @Test
  void readsReturnIndependentBuffers() throws IOException {
    Path f = dir.resolve("meta.bin");
    Files.write(f, image(1, 0));

    try (FileBlockDevice dev = FileBlockDevice.open(f, FileBlockDevice.Mode.READ_ONLY, true)) {
      ByteBuffer a = dev.read(0);
      a.put(0, (byte) 99);
      assertEquals(1, dev.read(0).get(0));
    }
  }

  @Test
  void readOnlyFile_readsRunsAsCopies_andSeesAShrinkingFileAsAnError() throws IOException {
    Path f = dir.resolve("meta.bin");
    Files.write(f, image(6, 0));
    try (FileBlockDevice dev = FileBlockDevice.open(f, FileBlockDevice.Mode.READ_ONLY, true)) {
      assertFalse(dev.directIo());
      ByteBuffer run = dev.readRun(1, 3);
      assertEquals(3 * Blocks.BLOCK_SIZE, run.remaining());
      assertEquals(ByteOrder.LITTLE_ENDIAN, run.order());
      assertEquals(2, run.get(0));
      assertEquals((byte) 0x83, run.get(3 * Blocks.BLOCK_SIZE - 1));
      run.put(0, (byte) 42); // the caller's own copy
      assertEquals(2, dev.read(1).get(0));
      try (java.nio.channels.FileChannel w =
          java.nio.channels.FileChannel.open(f, java.nio.file.StandardOpenOption.WRITE)) {
        w.truncate(2L * Blocks.BLOCK_SIZE);
      }
      assertEquals(1, dev.read(0).get(0));
      IOException e = assertThrows(IOException.class, () -> dev.read(4));
      assertEquals("short read at block 4 of " + f, e.getMessage());
    }
  }

  @Test
  void kindOf_regularFileDirectoryAndMissing() throws IOException {
    Path f = dir.resolve("meta.bin");
    Files.write(f, image(1, 0));

    assertEquals(FileBlockDevice.Kind.REGULAR, FileBlockDevice.kindOf(f));
    assertEquals(FileBlockDevice.Kind.OTHER, FileBlockDevice.kindOf(dir));
    assertThrows(NoSuchFileException.class, () -> FileBlockDevice.kindOf(dir.resolve("none")));
    assertEquals(Blocks.BLOCK_SIZE, FileBlockDevice.sizeOf(f));
  }

  @Test
  void kindOf_characterDeviceIsOther() throws IOException {
    Path devNull = Path.of("/dev/null");
    if (Files.exists(devNull)) {
      assertEquals(FileBlockDevice.Kind.OTHER, FileBlockDevice.kindOf(devNull));
    }
  }

  @Test
  void open_directoryIsRefused() {
    IOException e =
        assertThrows(
            IOException.class,
            () -> FileBlockDevice.open(dir, FileBlockDevice.Mode.READ_ONLY, true));
    assertEquals("Not a block device or regular file '" + dir + "'.", e.getMessage());
  }

  @Test
  void jimfs_kindOfSizeOfAndOpenWork() throws IOException {
    for (Configuration config :
        new Configuration[] {Configuration.unix(), Configuration.osX(), Configuration.windows()}) {
      try (FileSystem fs = Jimfs.newFileSystem(config)) {
        Path root = fs.getRootDirectories().iterator().next();
        Path f = root.resolve("meta.bin");
        Files.write(f, image(2, 10));

        assertEquals(FileBlockDevice.Kind.REGULAR, FileBlockDevice.kindOf(f), config::toString);
        assertEquals(FileBlockDevice.Kind.OTHER, FileBlockDevice.kindOf(root));
        assertEquals(2 * Blocks.BLOCK_SIZE + 10, FileBlockDevice.sizeOf(f));
        try (FileBlockDevice dev = FileBlockDevice.open(f, FileBlockDevice.Mode.READ_WRITE, true)) {
          assertEquals(2, dev.nrBlocks());
          assertEquals(2, dev.read(1).get(0));
          ByteBuffer b = Blocks.allocate();
          b.put(0, (byte) 42);
          dev.write(0, b);
          assertEquals(42, dev.read(0).get(0));
        }
        assertEquals(42, Files.readAllBytes(f)[0]);
      }
    }
  }

  @Test
  void sysfsDirOf_decodesMajorAndMinor() {
    assertEquals("/sys/dev/block/253:5", FileBlockDevice.sysfsDirOf((253 << 8) | 5));
    assertEquals("/sys/dev/block/7:0", FileBlockDevice.sysfsDirOf(7 << 8));
    // Minor 300 and major 259 use the extended glibc encoding.
    long rdev = (259L << 8) | (300 & 0xff) | ((300L & ~0xffL) << 12);
    assertEquals("/sys/dev/block/259:300", FileBlockDevice.sysfsDirOf(rdev));
    long bigMajor = ((4100L & 0xfff) << 8) | ((4100L & ~0xfffL) << 32) | 1;
    assertEquals("/sys/dev/block/4100:1", FileBlockDevice.sysfsDirOf(bigMajor));
  }

  @Test
  void refuseIfHeld_deviceWithAHolderIsBusy() throws IOException {
    Path sys = dir.resolve("sys-7-0");
    Files.createDirectories(sys.resolve("holders"));
    Path dev = Path.of("/dev/loop0");

    FileBlockDevice.refuseIfHeld(dev, sys); // no holders: accepted
    FileBlockDevice.refuseIfHeld(dev, dir.resolve("no-such-sysfs-dir")); // unknown: accepted

    Files.createDirectory(sys.resolve("holders/dm-3"));
    DeviceBusyException e =
        assertThrows(DeviceBusyException.class, () -> FileBlockDevice.refuseIfHeld(dev, sys));
    assertEquals("/dev/loop0", e.getFile());
    assertEquals("Device or resource busy", e.getReason());
  }
}
