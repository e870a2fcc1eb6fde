package org.thinmeta.pdata.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class VolatileCacheDeviceTest {
  static ByteBuffer block(int fill) {
    ByteBuffer b = Blocks.allocate();
    for (int i = 0; i < Blocks.BLOCK_SIZE; i++) {
      b.put(i, (byte) fill);
    }
    return b;
  }

  static int firstByte(byte[] image, int block) {
    return image[block * Blocks.BLOCK_SIZE];
  }

  @Test
  void unflushedWrites_areReadBackButNotDurable() throws IOException {
    VolatileCacheDevice d = new VolatileCacheDevice(4, 1);
    d.write(2, block(7));
    assertEquals(7, d.read(2).get(100));
    assertEquals(0, firstByte(d.durableImage(), 2));
    d.flush();
    assertEquals(7, firstByte(d.durableImage(), 2));
    assertEquals(1, d.writes());
    assertEquals(1, d.flushes());
  }

  @Test
  void crashAtWrite_failsThatWriteAndEverythingAfter() throws IOException {
    VolatileCacheDevice d = new VolatileCacheDevice(4, 1).crashAtWrite(2);
    d.write(0, block(1));
    d.flush();
    assertThrows(VolatileCacheDevice.CrashException.class, () -> d.write(1, block(2)));
    assertTrue(d.crashed());
    assertThrows(VolatileCacheDevice.CrashException.class, () -> d.read(0));
    assertThrows(VolatileCacheDevice.CrashException.class, d::flush);
    byte[] image = d.durableImage();
    assertEquals(1, firstByte(image, 0));
    assertEquals(0, firstByte(image, 1));
  }

  @Test
  void crashAtFlush_keepsAnySubsetOfTheCachedWrites() throws IOException {
    int kept = 0;
    int dropped = 0;
    for (long seed = 0; seed < 64; seed++) {
      VolatileCacheDevice d = new VolatileCacheDevice(8, seed).crashAtFlush(1);
      for (int b = 0; b < 8; b++) {
        d.write(b, block(b + 1));
      }
      assertThrows(VolatileCacheDevice.CrashException.class, d::flush);
      byte[] image = d.durableImage();
      for (int b = 0; b < 8; b++) {
        int v = firstByte(image, b);
        assertTrue(v == 0 || v == b + 1);
        if (v == 0) {
          dropped++;
        } else {
          kept++;
        }
      }
    }
    // Independent coin flips: both outcomes happen, roughly evenly.
    assertTrue(kept > 150 && dropped > 150, kept + " kept, " + dropped + " dropped");
  }

  @Test
  void sameSeed_sameSurvivors() throws IOException {
    byte[][] images = new byte[2][];
    for (int i = 0; i < 2; i++) {
      VolatileCacheDevice d = new VolatileCacheDevice(new byte[16 * Blocks.BLOCK_SIZE], 42);
      for (int b = 0; b < 16; b++) {
        d.write(b, block(b + 1));
      }
      d.crash();
      images[i] = d.durableImage();
    }
    assertArrayEquals(images[0], images[1]);
  }
}
