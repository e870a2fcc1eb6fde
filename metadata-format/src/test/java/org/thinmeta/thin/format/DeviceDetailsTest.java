package org.thinmeta.thin.format;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;
import org.thinmeta.pdata.io.Blocks;

class DeviceDetailsTest {
  @Test
  void decode_handBuiltValue() {
    ByteBuffer b = ByteBuffer.allocate(64);
    byte[] v = {
      6,
      0,
      0,
      0,
      0,
      0,
      0,
      0, // mapped_blocks 6
      2,
      1,
      0,
      0,
      0,
      0,
      0,
      0, // transaction_id 258
      1,
      0,
      0,
      0, // creation_time 1
      (byte) 0xFF,
      (byte) 0xFF,
      (byte) 0xFF,
      (byte) 0xFF // snapshotted_time, unsigned
    };
    b.put(8, v);

    assertEquals(new DeviceDetails(6, 258, 1, 0xFFFFFFFFL), DeviceDetails.decode(b, 8));
  }

  @Test
  void encode_isTheMirror() {
    ByteBuffer b = Blocks.allocate();
    DeviceDetails d = new DeviceDetails(115822, 21, 15, 0xFFFFFFFFL);

    d.encode(b, 32 + 8 * 126);

    assertEquals(115822, b.getLong(1040));
    assertEquals(-1, b.getInt(1060));
    assertEquals(d, DeviceDetails.decode(b, 1040));
  }
}
