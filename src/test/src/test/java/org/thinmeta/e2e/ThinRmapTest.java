package org.thinmeta.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * thin_rmap on the kernel fixtures. The oracle is the stored 0.9.0 dump (every device's mappings):
 * 0.9.0's own thin_rmap skips subtrees it has already walked for another device, so on images with
 * shared nodes it misses devices; it is compared where it is right, on an unshared copy.
 */
class ThinRmapTest {
  static final List<List<String>> REGION_SETS =
      List.of(
          List.of("0..1000000"),
          List.of("0..10"),
          List.of("5..6"),
          List.of("100..200", "150..300", "7000..7100"),
          List.of("65500..65600"),
          List.of("10..20", "0..5", "20..40"));

  static Stream<Arguments> cases() {
    List<Arguments> out = new ArrayList<>();
    for (String name :
        List.of(
            "tmeta",
            "tmeta_with_empty_roots",
            "tmeta_with_shared_internal_root",
            "tmeta_with_shared_internals_and_leaves",
            "tmeta_device_id_reuse")) {
      for (List<String> regions : REGION_SETS) {
        out.add(Arguments.of(name, regions));
      }
    }
    return out.stream();
  }

  static String[] args(List<String> regions, Path image) {
    List<String> a = new ArrayList<>();
    a.add("thin_rmap");
    for (String r : regions) {
      a.add("--region");
      a.add(r);
    }
    a.add(image.toString());
    return a.toArray(new String[0]);
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("cases")
  void output_equalsTheStoredDumpsReverseMap(String name, List<String> regions) throws Exception {
    assumeTrue(Fixtures.available(), "shared fixtures missing");
    String want = oracle(DumpMappings.read(name + ".dump.xml"), regions);

    Cli.Result r = Cli.run(args(regions, Fixtures.image(name)));

    assertEquals(0, r.status(), r::toString);
    assertEquals(want, r.stdout());
    assertEquals("", r.stderr());
  }

  /** Sharing is reported for every device: a data block of tmeta mapped by eight devices. */
  @Test
  void sharedLeaf_isReportedForEveryDevice() throws Exception {
    assumeTrue(Fixtures.available(), "shared fixtures missing");

    Cli.Result r = Cli.run(args(List.of("5..6"), Fixtures.image("tmeta")));

    assertEquals(
        "data 5..6 -> thin(2) 10615..10616\n"
            + "data 5..6 -> thin(3) 10615..10616\n"
            + "data 5..6 -> thin(4) 10615..10616\n"
            + "data 5..6 -> thin(8) 10615..10616\n"
            + "data 5..6 -> thin(9) 10615..10616\n"
            + "data 5..6 -> thin(10) 10615..10616\n"
            + "data 5..6 -> thin(12) 10615..10616\n"
            + "data 5..6 -> thin(13) 10615..10616\n",
        r.stdout());
  }

  /**
   * On a copy of tmeta restored by 0.9.0 (same mappings, no shared nodes) 0.9.0's thin_rmap is
   * right: it prints the same lines as we do (its order is not sorted), and we print the same on
   * the copy as on the kernel image.
   */
  @ParameterizedTest
  @ValueSource(ints = {0, 1, 3, 5})
  void unsharedCopy_referenceAgrees(int set, @TempDir Path dir) throws Exception {
    assumeTrue(Fixtures.available(), "shared fixtures missing");
    assumeTrue(Reference.available(), "0.9.0 not installed");
    Path xml = dir.resolve("tmeta.xml");
    Files.write(xml, Fixtures.stored("tmeta.dump.xml"));
    Path copy = dir.resolve("copy.bin");
    try (RandomAccessFile f = new RandomAccessFile(copy.toFile(), "rw")) {
      f.setLength(64L << 20);
    }
    Cli.Result restore = Reference.run("thin_restore", "-i", xml.toString(), "-o", copy.toString());
    assertEquals(0, restore.status(), restore::toString);
    List<String> regions = REGION_SETS.get(set);
    String[] onCopy = args(regions, copy);

    Cli.Result ours = Cli.run(onCopy);
    Cli.Result ref = Reference.run("thin_rmap", Arrays.copyOfRange(onCopy, 1, onCopy.length));
    Cli.Result onKernel = Cli.run(args(regions, Fixtures.image("tmeta")));

    assertEquals(0, ref.status(), ref::toString);
    assertEquals(sorted(ref.stdout()), sorted(ours.stdout()));
    assertEquals(onKernel.stdout(), ours.stdout());
    assertTrue(ours.stdout().length() > 0);
  }

  static List<String> sorted(String s) {
    List<String> l = new ArrayList<>(s.lines().toList());
    l.sort(Comparator.naturalOrder());
    return l;
  }

  /** The reverse map by definition, from per-device mappings. */
  static String oracle(Map<Long, TreeMap<Long, Long>> devices, List<String> regions) {
    List<long[]> rs = new ArrayList<>();
    for (String r : regions) {
      String[] p = r.split("\\.\\.");
      rs.add(new long[] {Long.parseLong(p[0]), Long.parseLong(p[1])});
    }
    List<long[]> runs = new ArrayList<>(); // begin, end, dev, vbegin
    for (Map.Entry<Long, TreeMap<Long, Long>> dev : devices.entrySet()) {
      long[] cur = null;
      for (Map.Entry<Long, Long> m : dev.getValue().entrySet()) {
        long v = m.getKey();
        long d = m.getValue();
        if (rs.stream().noneMatch(r -> d >= r[0] && d < r[1])) {
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
      sb.append("data ").append(x[0]).append("..").append(x[1]);
      sb.append(" -> thin(").append(x[2]).append(") ");
      sb.append(x[3]).append("..").append(x[3] + x[1] - x[0]).append('\n');
    }
    return sb.toString();
  }

  @ParameterizedTest
  @ValueSource(strings = {"23,7890", "23..six", "89..", "89...99", "..5", "-1..5"})
  void badlyFormedRegion_isAUsageError(String region) {
    Cli.Result r = Cli.run("thin_rmap", "--region", region, "/nonexistent");

    assertEquals(2, r.status(), r::toString);
    assertEquals(
        "Invalid value for option '--region' (BLOCK_RANGE): badly formed region",
        r.stderr().lines().findFirst().orElse(""));
  }

  @ParameterizedTest
  @ValueSource(strings = {"89..88", "89..89"})
  void emptyRegion_isAUsageError(String region) {
    Cli.Result r = Cli.run("thin_rmap", "--region", region, "/nonexistent");

    assertEquals(2, r.status(), r::toString);
    assertEquals(
        "Invalid value for option '--region' (BLOCK_RANGE): end <= begin",
        r.stderr().lines().findFirst().orElse(""));
  }

  @Test
  void noRegion_isAUsageError() {
    Cli.Result r = Cli.run("thin_rmap", "/nonexistent");

    assertEquals(2, r.status(), r::toString);
    assertEquals(
        "Missing required option: '--region=BLOCK_RANGE'",
        r.stderr().lines().findFirst().orElse(""));
  }

  @Test
  void damagedLivePool_failsWithOneLine() throws Exception {
    assumeTrue(Fixtures.available(), "shared fixtures missing");

    Cli.Result r =
        Cli.run(args(List.of("0..10"), Fixtures.image("corrupted_tmeta_with_metadata_snap")));

    assertEquals(64, r.status(), r::toString);
    assertEquals("checksum error at block 20\n", r.stderr());
    assertEquals("", r.stdout());
  }
}
