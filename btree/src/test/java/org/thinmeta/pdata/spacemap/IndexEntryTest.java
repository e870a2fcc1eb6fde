package org.thinmeta.pdata.spacemap;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;
import org.thinmeta.pdata.io.Blocks;

class IndexEntryTest {
  @Test
  void decode_handBuiltEntry() {
    ByteBuffer b = ByteBuffer.allocate(64);
    byte[] e = {
      9,
      0,
      0,
      0,
      0,
      0,
      0,
      0, // blocknr 9
      (byte) 0xC0,
      0x3F,
      0,
      0, // nr_free 16320
      (byte) 0xFF,
      (byte) 0xFF,
      (byte) 0xFF,
      (byte) 0xFF // none_free_before (u32 max)
    };
    b.put(16, e);

    assertEquals(new IndexEntry(9, 16320, 0xFFFFFFFFL), IndexEntry.decode(b, 16));
  }

  @Test
  void encodeThenDecode_atAnIndexBlockSlot() {
    ByteBuffer b = Blocks.allocate();
    IndexEntry e = new IndexEntry(3, 4, 16316);

    e.encode(b, 16 + 254 * IndexEntry.SIZE); // the last of the 255 slots

    assertEquals(3, b.getLong(4080));
    assertEquals(4, b.getInt(4088));
    assertEquals(16316, b.getInt(4092));
    assertEquals(e, IndexEntry.decode(b, 4080));
  }
}
