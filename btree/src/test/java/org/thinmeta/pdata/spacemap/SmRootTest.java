package org.thinmeta.pdata.spacemap;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;
import org.thinmeta.pdata.io.Blocks;

class SmRootTest {
  @Test
  void decode_readsTheFirst32Bytes_andIgnoresTheJunkTail() {
    ByteBuffer b = ByteBuffer.allocate(400); // big-endian on purpose: decode must not care
    int at = 64;
    byte[] slot = new byte[128];
    slot[0] = 0x00;
    slot[1] = 0x04; // nr_blocks = 1024
    slot[8] = 7; // nr_allocated = 7
    slot[16] = 4; // bitmap_root = 4
    slot[24] = 5; // ref_count_root = 5
    for (int i = 32; i < 128; i++) {
      slot[i] = (byte) 0xA5; // the kernel leaves junk here
    }
    b.put(at, slot);

    assertEquals(new SmRoot(1024, 7, 4, 5), SmRoot.decode(b, at));
  }

  @Test
  void encode_writesLittleEndian_andZeroesTheRestOfTheSlot() {
    ByteBuffer b = Blocks.allocate();
    for (int i = 192; i < 320; i++) {
      b.put(i, (byte) 0xFF);
    }

    new SmRoot(16384, 300, 1, 2).encode(b, 192);

    assertEquals(0x00, b.get(192));
    assertEquals(0x40, b.get(193));
    assertEquals(300, b.getLong(200));
    assertEquals(1, b.getLong(208));
    assertEquals(2, b.getLong(216));
    for (int i = 224; i < 320; i++) {
      assertEquals(0, b.get(i), "byte " + i);
    }
    assertEquals(new SmRoot(16384, 300, 1, 2), SmRoot.decode(b, 192));
  }
}
