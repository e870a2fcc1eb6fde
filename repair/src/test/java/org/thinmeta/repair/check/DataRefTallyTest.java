package org.thinmeta.repair.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.thinmeta.thin.format.BlockTime;

/** The sparse data-reference tally. */
class DataRefTallyTest {
  @Test
  void batchesFromManyThreads_countExactly_includingAbove255() throws Exception {
    long nr = 5L << 20; // 80 regions
    DataRefTally t = new DataRefTally(nr);
    Map<Long, Long> expected = new HashMap<>();
    List<long[]> work = new ArrayList<>();
    Random rnd = new Random(42);
    for (int w = 0; w < 4; w++) {
      long[] values = new long[300_000];
      for (int i = 0; i < values.length; i++) {
        long b = i % 3 == 0 ? 77 : (rnd.nextLong() & Long.MAX_VALUE) % nr;
        values[i] = BlockTime.pack(b, 1);
        expected.merge(b, 1L, Long::sum);
      }
      work.add(values);
    }
    ExecutorService ex = Executors.newFixedThreadPool(4);
    List<Future<Long>> results = new ArrayList<>();
    for (long[] values : work) {
      results.add(
          ex.submit(
              () -> {
                DataRefTally.Batch b = t.batch();
                long bad = 0;
                for (int i = 0; i < values.length; i += 1000) {
                  long[] part = java.util.Arrays.copyOfRange(values, i, i + 1000);
                  bad += b.addMappings(part, part.length, nr);
                }
                b.flush();
                return bad;
              }));
    }
    for (Future<Long> f : results) {
      assertEquals(0L, f.get());
    }
    ex.shutdown();

    assertTrue(t.get(77) >= 400_000L);
    for (Map.Entry<Long, Long> e : expected.entrySet()) {
      assertEquals(e.getValue(), t.get(e.getKey()), "block " + e.getKey());
    }
    assertEquals(0, t.get(nr - 1) - expected.getOrDefault(nr - 1, 0L));
    assertTrue(t.memoryUsed() <= 80L * DataRefTally.REGION_SIZE);
  }

  @Test
  void addMappings_refusesBlocksBeyondTheDevice() {
    DataRefTally t = new DataRefTally(1000);
    DataRefTally.Batch b = t.batch();

    long bad =
        b.addMappings(
            new long[] {BlockTime.pack(5, 0), BlockTime.pack(1000, 0), BlockTime.pack(5, 0)},
            3,
            1000);
    b.flush();

    assertEquals(1, bad);
    assertEquals(2, t.get(5));
    assertEquals(0, t.get(999));
  }

  @Test
  void encode_matchesBitmapEncodingAndRefusesOverflow() {
    DataRefTally t = new DataRefTally(1 << 17);
    DataRefTally.Batch b = t.batch();
    long[] v = {BlockTime.pack(64 + 1, 0), BlockTime.pack(64 + 2, 0), BlockTime.pack(64 + 2, 0)};
    b.addMappings(v, 3, 1 << 17);
    b.flush();
    long[] out = new long[1];

    assertTrue(t.encode(64, out));
    // entry 1 count 1 -> bits 10 (value 2), entry 2 count 2 -> bits 01 (value 1)
    assertEquals((2L << 2) | (1L << 4), out[0]);
    assertTrue(t.encode(70_000 & ~31, out));
    assertEquals(0, out[0]);
    for (int i = 0; i < 3; i++) {
      b.addMappings(new long[] {BlockTime.pack(96, 0)}, 1, 1 << 17);
    }
    b.flush();
    assertFalse(t.encode(96, out));
  }
}
