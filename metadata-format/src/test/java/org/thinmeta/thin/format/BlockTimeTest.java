package org.thinmeta.thin.format;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class BlockTimeTest {
  @Test
  void verifiedExample_block30Time1() {
    assertEquals(503316481L, BlockTime.pack(30, 1));
    assertEquals(30, BlockTime.dataBlock(503316481L));
    assertEquals(1, BlockTime.time(503316481L));
  }

  @Test
  void fortyBitBlocksAndTwentyFourBitTimes() {
    long v = BlockTime.pack((1L << 40) - 1, 0xFFFFFF);

    assertEquals(-1L, v);
    assertEquals((1L << 40) - 1, BlockTime.dataBlock(v));
    assertEquals(0xFFFFFF, BlockTime.time(v));
    assertEquals(0, BlockTime.time(BlockTime.pack(5, 1 << 24)));
  }
}
