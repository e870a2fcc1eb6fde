package org.thinmeta.pdata.build;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.thinmeta.pdata.io.MemoryBlockDevice;

class MetadataSpaceTest {
  private static long[] bits(int... blocks) {
    long[] set = new long[2];
    for (int b : blocks) {
      set[b >>> 6] |= 1L << b;
    }
    return set;
  }

  @Test
  void allocate_skipsAvoidedBlocks_untilOnlyTheyAreLeft_thenRunsTheCallbackOnce()
      throws IOException {
    MetadataSpace space = new MetadataSpace(new MemoryBlockDevice(8));
    space.reserve(0);
    int[] calls = {0};
    space.avoid(bits(1, 2, 5), () -> calls[0]++);
    assertTrue(space.avoids(2));
    assertFalse(space.avoids(3));
    List<Long> got = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      got.add(space.allocate());
    }
    assertEquals(List.of(3L, 4L, 6L, 7L), got);
    assertEquals(0, calls[0], "other blocks were free");
    space.dec(4);
    assertEquals(4, space.allocate(), "a freed block that is not avoided is reused first");
    assertEquals(0, calls[0]);
    long next = space.allocate();
    assertEquals(1, calls[0], "only avoided blocks left");
    assertFalse(space.avoids(1));
    assertTrue(next == 1 || next == 2 || next == 5, "an avoided block now: " + next);
    space.allocate();
    space.allocate();
    assertEquals(1, calls[0]);
    assertThrows(OutOfMetadataSpaceException.class, space::allocate);
    assertEquals(8, space.nrAllocated());
  }

  @Test
  void allocate_aFailingCallback_failsTheAllocation_andKeepsTheBlocksAvoided() throws IOException {
    MetadataSpace space = new MetadataSpace(new MemoryBlockDevice(4));
    space.reserve(0);
    IOException boom = new IOException("boom");
    int[] calls = {0};
    space.avoid(
        bits(1, 2, 3),
        () -> {
          if (calls[0]++ == 0) {
            throw boom;
          }
        });
    assertSame(boom, assertThrows(IOException.class, space::allocate));
    assertTrue(space.avoids(1));
    assertEquals(1, space.nrAllocated(), "nothing allocated");
    assertEquals(1, space.allocate());
    assertEquals(2, calls[0]);
  }

  @Test
  void avoid_ignoresBitsBeyondTheDevice() throws IOException {
    MetadataSpace space = new MetadataSpace(new MemoryBlockDevice(3));
    int[] calls = {0};
    space.avoid(new long[] {-1L, -1L}, () -> calls[0]++);
    assertTrue(space.avoids(2));
    assertEquals(0, space.allocate());
    assertEquals(1, calls[0]);
  }
}
