package org.thinmeta.pdata.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** A block device held in memory, for tests and scratch images. */
public final class MemoryBlockDevice implements BlockDevice {
  private final byte[][] blocks;
  private final boolean readOnly;

  /** Creates a zero-filled device of {@code nrBlocks} blocks. */
  public MemoryBlockDevice(long nrBlocks) {
    this(new byte[Math.toIntExact(nrBlocks)][], false);
  }

  private MemoryBlockDevice(byte[][] blocks, boolean readOnly) {
    this.blocks = blocks;
    this.readOnly = readOnly;
  }

  /** Creates a device holding a copy of {@code image}, whose length is rounded down to blocks. */
  public static MemoryBlockDevice of(byte[] image) {
    int n = image.length / Blocks.BLOCK_SIZE;
    byte[][] blocks = new byte[n][];
    for (int i = 0; i < n; i++) {
      byte[] b = new byte[Blocks.BLOCK_SIZE];
      System.arraycopy(image, i * Blocks.BLOCK_SIZE, b, 0, Blocks.BLOCK_SIZE);
      blocks[i] = b;
    }
    return new MemoryBlockDevice(blocks, false);
  }

  /** Returns the whole image as one array. */
  public byte[] toByteArray() {
    byte[] out = new byte[blocks.length * Blocks.BLOCK_SIZE];
    for (int i = 0; i < blocks.length; i++) {
      if (blocks[i] != null) {
        System.arraycopy(blocks[i], 0, out, i * Blocks.BLOCK_SIZE, Blocks.BLOCK_SIZE);
      }
    }
    return out;
  }

  @Override
  public long nrBlocks() {
    return blocks.length;
  }

  @Override
  public ByteBuffer read(long location) throws IOException {
    check(location);
    byte[] b = blocks[(int) location];
    byte[] copy = b == null ? new byte[Blocks.BLOCK_SIZE] : b.clone();
    return ByteBuffer.wrap(copy).order(ByteOrder.LITTLE_ENDIAN);
  }

  @Override
  public void write(long location, ByteBuffer block) throws IOException {
    if (readOnly) {
      throw new IOException("device is read-only");
    }
    check(location);
    byte[] copy = new byte[Blocks.BLOCK_SIZE];
    block.duplicate().position(0).get(copy, 0, Blocks.BLOCK_SIZE);
    blocks[(int) location] = copy;
  }

  @Override
  public void flush() {}

  @Override
  public boolean readOnly() {
    return readOnly;
  }

  @Override
  public String description() {
    return "memory";
  }

  @Override
  public void close() {}

  private void check(long location) throws IOException {
    if (location < 0 || location >= blocks.length) {
      throw new IOException("block " + location + " is beyond the end of the device");
    }
  }
}
