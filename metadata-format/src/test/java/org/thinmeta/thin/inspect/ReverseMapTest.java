package org.thinmeta.thin.inspect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Random;
import java.util.TreeMap;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

class ReverseMapTest {
  /** The definition: per device, runs of mappings in the regions; sorted. */
  static String naive(Map<Long, NavigableMap<Long, Long>> devs, List<DataRegion> regions) {
    List<long[]> runs = new ArrayList<>();
    for (var dev : devs.entrySet()) {
      long[] cur = null;
      for (var m : dev.getValue().entrySet()) {
        long v = m.getKey();
        long d = m.getValue();
        if (regions.stream().noneMatch(r -> d >= r.begin() && d < r.end())) {
          continue;
        }
        if (cur != null && d == cur[1] && v == cur[3] + (cur[1] - cur[0])) {
          cur[1]++;
          continue;
        }
        cur = new long[] {d, d + 1, dev.getKey(), v};
        runs.add(cur);
      }
    }
    runs.sort(
        Comparator.<long[]>comparingLong(x -> x[0])
            .thenComparingLong(x -> x[1])
            .thenComparingLong(x -> x[2])
            .thenComparingLong(x -> x[3]));
    StringBuilder sb = new StringBuilder();
    for (long[] x : runs) {
      sb.append("data ").append(x[0]).append("..").append(x[1]).append(" -> thin(");
      sb.append(x[2]).append(") ").append(x[3]).append("..").append(x[3] + x[1] - x[0]);
      sb.append('\n');
    }
    return sb.toString();
  }

  static String ours(TreeBuilder b, Map<Long, Long> roots, List<DataRegion> regions, int threads)
      throws Exception {
    ReverseMap m = ReverseMap.build(b.dev, b.dev.nrBlocks(), roots, regions, threads);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    m.writeTo(out);
    return out.toString(StandardCharsets.US_ASCII);
  }

  @Property(tries = 40)
  void reverseMap_equalsTheDefinition_withLeavesSharedByManyDevices(
      @ForAll @IntRange(min = 1, max = 30000) int n,
      @ForAll @IntRange(min = 1, max = 6) int devices,
      @ForAll @IntRange(min = 1, max = 1 << 20) int seed)
      throws Exception {
    Random r = new Random(seed);
    TreeBuilder b = new TreeBuilder(8192);
    // A shared origin: fragmented data in short runs.
    NavigableMap<Long, Long> origin = new TreeMap<>();
    long v = 0;
    for (int i = 0; i < n; i++) {
      v += 1 + (r.nextInt(10) == 0 ? r.nextInt(5) : 0);
      long d =
          r.nextInt(3) == 0
              ? r.nextInt(4 * n + 10)
              : (origin.isEmpty() ? 0 : 1 + origin.lastEntry().getValue());
      origin.put(v, d);
    }
    List<long[]> leaves = MappingDeltaTest.leaves(b, origin, 100 + r.nextInt(152));
    Map<Long, NavigableMap<Long, Long>> devs = new TreeMap<>();
    Map<Long, Long> roots = new TreeMap<>();
    long sharedRoot = b.tree(leaves, 3 + r.nextInt(100));
    for (long id = 0; id < devices; id++) {
      long devId = id * 7 + r.nextInt(3);
      if (r.nextBoolean() || id == 0) {
        roots.put(devId, sharedRoot); // shares the whole tree
        devs.put(devId, origin);
      } else {
        // Shares the leaves but has its own internal nodes, and one private leaf more.
        NavigableMap<Long, Long> own = new TreeMap<>(origin);
        List<long[]> mine = new ArrayList<>(leaves);
        long from = origin.lastKey() + 1000;
        NavigableMap<Long, Long> extra = new TreeMap<>();
        for (int i = 0; i < 50; i++) {
          extra.put(from + i, (long) r.nextInt(4 * n + 10));
        }
        own.putAll(extra);
        mine.add(new long[] {from, b.leaf(extra)});
        roots.put(devId, b.tree(mine, 3 + r.nextInt(100)));
        devs.put(devId, own);
      }
    }
    List<DataRegion> regions = new ArrayList<>();
    if (r.nextBoolean()) {
      regions.add(new DataRegion(0, 1L << 40));
    } else {
      for (int i = 0; i < 1 + r.nextInt(4); i++) {
        long s = r.nextInt(4 * n + 10);
        regions.add(new DataRegion(s, s + 1 + r.nextInt(n + 1)));
      }
    }

    assertEquals(naive(devs, regions), ours(b, roots, regions, 1 + r.nextInt(3)));
  }

  @Test
  void hugeDeviceIds_useTheWideRecordLayout() throws Exception {
    TreeBuilder b = new TreeBuilder(64);
    NavigableMap<Long, Long> m = new TreeMap<>();
    for (long i = 0; i < 200; i++) {
      m.put(i * 2, 1000 - i);
    }
    long leaf = b.leaf(m);
    Map<Long, NavigableMap<Long, Long>> devs = new TreeMap<>();
    Map<Long, Long> roots = new TreeMap<>();
    for (long id : new long[] {1L << 30, 5, 1L << 24}) {
      devs.put(id, m);
      roots.put(id, leaf);
    }
    List<DataRegion> all = List.of(new DataRegion(0, 1L << 40));

    String out = ours(b, roots, all, 1);

    assertEquals(naive(devs, all), out);
    assertEquals(
        "data 801..802 -> thin(5) 398..399\n"
            + "data 801..802 -> thin(16777216) 398..399\n"
            + "data 801..802 -> thin(1073741824) 398..399\n",
        out.lines().limit(3).map(l -> l + "\n").reduce("", String::concat));
  }

  @Test
  void regions_parseAndReject() {
    assertEquals(new DataRegion(5, 45), DataRegion.parse("5..45"));
    for (String bad : List.of("23,7890", "23..six", "89..", "89...99", "..5", "x")) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> DataRegion.parse(bad));
      assertEquals("badly formed region", e.getMessage(), bad);
    }
    for (String bad : List.of("89..88", "89..89")) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> DataRegion.parse(bad));
      assertEquals("end <= begin", e.getMessage(), bad);
    }
  }

  @Test
  void merge_joinsOverlappingAndTouchingRegions() {
    long[][] m =
        ReverseMap.merge(
            List.of(
                new DataRegion(10, 20),
                new DataRegion(0, 5),
                new DataRegion(15, 30),
                new DataRegion(30, 31)));

    assertEquals(2, m.length);
    assertEquals(List.of(0L, 5L), List.of(m[0][0], m[0][1]));
    assertEquals(List.of(10L, 31L), List.of(m[1][0], m[1][1]));
  }
}
