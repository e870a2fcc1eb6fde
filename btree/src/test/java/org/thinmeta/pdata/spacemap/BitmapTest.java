package org.thinmeta.pdata.spacemap;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.thinmeta.pdata.io.Blocks;

/** The 2-bit count encoding of format doc §4.2, high bit of the count at the lower position. */
class BitmapTest {
  @Test
  void entriesPerBlock() {
    assertEquals(16320, Bitmap.ENTRIES_PER_BLOCK);
  }

  @Test
  void verifiedExample_word0x55_meansCount2ForEntries0To3() {
    ByteBuffer b = Blocks.allocate();
    b.putLong(16, 0x55L);

    for (int j = 0; j < 4; j++) {
      assertEquals(2, Bitmap.get(b, j), "entry " + j);
    }
    assertEquals(0, Bitmap.get(b, 4));
  }

  @Test
  void verifiedExample_byte5Is0x0A_meansCount1ForEntries20And21() {
    ByteBuffer b = Blocks.allocate();
    b.put(16 + 5, (byte) 0x0A);

    assertEquals(0, Bitmap.get(b, 19));
    assertEquals(1, Bitmap.get(b, 20));
    assertEquals(1, Bitmap.get(b, 21));
    assertEquals(0, Bitmap.get(b, 22));
  }

  @Test
  void bothBits_meanOverflow() {
    ByteBuffer b = Blocks.allocate();
    b.put(16 + 8 * 509 + 7, (byte) 0xC0); // the last entry of the block

    assertEquals(3, Bitmap.get(b, 16319));
    assertEquals(0, Bitmap.get(b, 16318));
  }

  @Test
  void set_writesTheSameBitsTheExamplesShow() {
    ByteBuffer b = Blocks.allocate();

    for (int j = 0; j < 4; j++) {
      Bitmap.set(b, j, 2);
    }
    Bitmap.set(b, 20, 1);
    Bitmap.set(b, 21, 1);

    assertEquals(0x0A0000000055L, b.getLong(16));
  }

  @Test
  void set_leavesNeighboursAndHeaderAlone() {
    ByteBuffer b = Blocks.allocate();
    b.putLong(8, 77);
    for (int j = 0; j < 96; j++) {
      Bitmap.set(b, j, 3);
    }

    Bitmap.set(b, 33, 1);
    Bitmap.set(b, 34, 0);

    assertEquals(3, Bitmap.get(b, 32));
    assertEquals(1, Bitmap.get(b, 33));
    assertEquals(0, Bitmap.get(b, 34));
    assertEquals(3, Bitmap.get(b, 35));
    assertEquals(3, Bitmap.get(b, 31));
    assertEquals(77, Bitmap.blockNr(b));
  }

  @Property(tries = 300)
  void setThenGet_roundTrips(
      @ForAll @IntRange(min = 0, max = 16319) int j, @ForAll @IntRange(min = 0, max = 3) int c) {
    ByteBuffer b = Blocks.allocate();
    Bitmap.set(b, j, 3 - c);

    Bitmap.set(b, j, c);

    assertEquals(c, Bitmap.get(b, j));
  }
}
