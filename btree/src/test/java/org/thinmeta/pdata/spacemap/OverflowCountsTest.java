package org.thinmeta.pdata.spacemap;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class OverflowCountsTest {
  @Test
  void builder_growsAndLookupFindsEveryKey() {
    OverflowCounts.Builder b = new OverflowCounts.Builder();
    for (int i = 0; i < 100; i++) {
      b.add(10L * i, 3 + i);
    }

    OverflowCounts c = b.build();

    assertEquals(100, c.size());
    assertEquals(990, c.key(99));
    assertEquals(102, c.count(99));
    assertEquals(3, c.lookup(0));
    assertEquals(53, c.lookup(500));
    assertEquals(-1, c.lookup(5));
    assertEquals(-1, c.lookup(1000));
  }
}
