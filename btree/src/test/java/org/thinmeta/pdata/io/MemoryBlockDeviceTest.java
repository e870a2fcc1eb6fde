package org.thinmeta.pdata.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

class MemoryBlockDeviceTest {
  @Test
  void newDevice_isZeroFilled() throws IOException {
    MemoryBlockDevice dev = new MemoryBlockDevice(4);

    assertEquals(4, dev.nrBlocks());
    ByteBuffer b = dev.read(3);
    assertEquals(ByteOrder.LITTLE_ENDIAN, b.order());
    assertArrayEquals(new byte[Blocks.BLOCK_SIZE], b.array());
    assertFalse(dev.readOnly());
  }

  @Test
  void writeThenRead_copiesBothWays() throws IOException {
    MemoryBlockDevice dev = new MemoryBlockDevice(2);
    ByteBuffer w = Blocks.allocate();
    w.putLong(8, 77);
    w.position(50);

    dev.write(1, w);
    w.putLong(8, 99); // later changes to the source do not reach the device
    ByteBuffer r = dev.read(1);
    r.putLong(8, 55); // nor do changes to a read buffer

    assertEquals(77, dev.read(1).getLong(8));
    assertEquals(0, dev.read(0).getLong(8));
  }

  @Test
  void outOfRange_isAnIoError() {
    MemoryBlockDevice dev = new MemoryBlockDevice(2);

    assertThrows(IOException.class, () -> dev.read(2));
    assertThrows(IOException.class, () -> dev.read(-1));
    assertThrows(IOException.class, () -> dev.write(2, Blocks.allocate()));
  }

  @Test
  void ofAndToByteArray_roundTrip_roundingDownToBlocks() throws IOException {
    byte[] image = new byte[2 * Blocks.BLOCK_SIZE + 7];
    image[0] = 1;
    image[Blocks.BLOCK_SIZE + 5] = 2;
    image[2 * Blocks.BLOCK_SIZE] = 3; // in the partial tail: dropped

    MemoryBlockDevice dev = MemoryBlockDevice.of(image);

    assertEquals(2, dev.nrBlocks());
    assertEquals(2, dev.read(1).get(5));
    byte[] back = dev.toByteArray();
    assertEquals(2 * Blocks.BLOCK_SIZE, back.length);
    assertEquals(1, back[0]);
    assertEquals(2, back[Blocks.BLOCK_SIZE + 5]);
  }
}
