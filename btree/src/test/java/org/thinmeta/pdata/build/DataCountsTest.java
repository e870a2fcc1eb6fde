package org.thinmeta.pdata.build;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.thinmeta.pdata.spacemap.Bitmap;

class DataCountsTest {
  private static final int E = Bitmap.ENTRIES_PER_BLOCK;

  @Property(tries = 20)
  void counts_matchAModel_throughSparseAndDenseRegions(
      @ForAll @IntRange(min = 0, max = 100000) int seed) {
    Random rnd = new Random(seed);
    long n = 3L * E + rnd.nextInt(E);
    DataCounts c = new DataCounts(n);
    Map<Long, Long> model = new HashMap<>();
    // Region 0 gets few blocks (stays sparse), region 1 many (turns dense), region 2 mixed.
    int ops = 8000;
    for (int i = 0; i < ops; i++) {
      long b;
      int pick = rnd.nextInt(10);
      if (pick == 0) {
        b = rnd.nextInt(40);
      } else if (pick < 6) {
        b = E + rnd.nextInt(E);
      } else {
        b = 2L * E + rnd.nextInt((int) (n - 2L * E));
      }
      if (pick == 9 && rnd.nextInt(20) == 0) {
        int len = 1 + rnd.nextInt(2 * E);
        long first = rnd.nextInt((int) (n - len));
        c.incRange(first, len);
        for (long k = first; k < first + len; k++) {
          model.merge(k, 1L, Long::sum);
        }
        continue;
      }
      int times = rnd.nextInt(50) == 0 ? 300 : 1;
      boolean down = model.getOrDefault(b, 0L) > 0 && rnd.nextInt(4) == 0;
      for (int t = 0; t < times; t++) {
        if (down && model.getOrDefault(b, 0L) > 0) {
          c.dec(b);
          model.merge(b, -1L, Long::sum);
        } else {
          c.inc(b);
          model.merge(b, 1L, Long::sum);
        }
      }
    }
    long allocated = model.values().stream().filter(v -> v > 0).count();
    assertEquals(allocated, c.nrAllocated());
    long[] region = new long[E];
    for (int r = 0; r < c.nrRegions(); r++) {
      boolean any = c.region(r, region);
      for (int j = 0; j < E; j++) {
        long b = (long) r * E + j;
        long want = model.getOrDefault(b, 0L);
        assertEquals(want, c.get(b), "block " + b);
        if (any) {
          assertEquals(want, region[j], "region copy of block " + b);
        } else {
          assertEquals(0, want);
        }
      }
    }
  }

  @Test
  void hugePool_fewBlocks_staysSmall_andBelowZeroIsABug() {
    DataCounts c = new DataCounts(1L << 36);
    long step = (1L << 36) / 1000;
    for (int i = 0; i < 1000; i++) {
      c.inc(i * step);
    }
    assertEquals(1000, c.nrAllocated());
    assertEquals(1, c.get(step * 7));
    assertEquals(0, c.get(step * 7 + 1));
    assertThrows(IllegalStateException.class, () -> c.dec(5));
  }
}
