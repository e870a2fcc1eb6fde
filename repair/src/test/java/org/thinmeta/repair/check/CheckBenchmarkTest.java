package org.thinmeta.repair.check;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.thinmeta.pdata.io.FileBlockDevice;
import org.thinmeta.thin.format.DeviceDetails;

/**
 * Measurement, not part of the default suite ({@code -Dthinmeta.bench=1}, see {@code
 * bench/check-10m.sh}): builds a pool with a 10-million-mapping origin and snapshots sharing its
 * subtrees, then times {@code bin/thin_check} (with {@code JAVA_OPTS=-Xmx512m}) against the 0.9.0
 * reference {@code /usr/sbin/thin_check} in the same run.
 */
@EnabledIfSystemProperty(named = "thinmeta.bench", matches = ".+")
class CheckBenchmarkTest {
  static final long MAPPINGS = Long.getLong("thinmeta.bench.mappings", 10_000_000L);
  static final long NR_DATA_BLOCKS = 1L << 24;
  static final long METADATA_BLOCKS = 65_536;

  @Test
  void tenMillionMappings() throws Exception {
    Path repo = repo();
    Path image =
        Path.of(System.getProperty("thinmeta.bench.image", repo + "/repair/target/bench-10m.bin"));
    long t0 = System.nanoTime();
    String layout = build(image);
    System.out.printf(
        Locale.ROOT, "built %s in %.1f s: %s%n", image, (System.nanoTime() - t0) / 1e9, layout);

    String ours = repo + "/bin/thin_check";
    String ref = "/usr/sbin/thin_check";
    // Warm the page cache and check both verdicts.
    assertEquals(0, run(List.of(ours, image.toString()), "-Xmx512m").exit, "ours fails it");
    if (Files.isExecutable(Path.of(ref))) {
      assertEquals(0, run(List.of(ref, image.toString()), "").exit, "reference fails it");
    }
    int rounds = Integer.getInteger("thinmeta.bench.rounds", 3);
    String extra = System.getProperty("thinmeta.bench.extraOpts", "");
    double[] oursT = new double[rounds];
    double[] extraT = new double[rounds];
    double[] refT = new double[rounds];
    // Interleaved, so that every tool sees the same machine load.
    for (int i = 0; i < rounds; i++) {
      oursT[i] = run(List.of(ours, image.toString()), "-Xmx512m").seconds;
      if (!extra.isEmpty()) {
        extraT[i] = run(List.of(ours, image.toString()), "-Xmx512m " + extra).seconds;
      }
      refT[i] =
          Files.isExecutable(Path.of(ref)) ? run(List.of(ref, image.toString()), "").seconds : 0;
    }
    Arrays.sort(oursT);
    Arrays.sort(extraT);
    Arrays.sort(refT);
    String result =
        String.format(
            Locale.ROOT,
            "thin_check on %s (%s); load average before: %s%n"
                + "  thinmeta (JAVA_OPTS=-Xmx512m): min %.2f s, median %.2f s, runs %s%n"
                + "  0.9.0 /usr/sbin/thin_check:   min %.2f s, median %.2f s, runs %s%n"
                + "  ratio of medians %.2f, of minimums %.2f%n",
            image,
            layout,
            Files.readString(Path.of("/proc/loadavg")).trim(),
            oursT[0],
            oursT[rounds / 2],
            Arrays.toString(oursT),
            refT[0],
            refT[rounds / 2],
            Arrays.toString(refT),
            refT[rounds / 2] == 0 ? 0 : oursT[rounds / 2] / refT[rounds / 2],
            refT[0] == 0 ? 0 : oursT[0] / refT[0]);
    if (!extra.isEmpty()) {
      result +=
          String.format(
              Locale.ROOT,
              "  thinmeta (JAVA_OPTS=-Xmx512m %s): min %.2f s, median %.2f s, runs %s;"
                  + " ratio of medians %.2f, of minimums %.2f%n",
              extra,
              extraT[0],
              extraT[rounds / 2],
              Arrays.toString(extraT),
              refT[rounds / 2] == 0 ? 0 : extraT[rounds / 2] / refT[rounds / 2],
              refT[0] == 0 ? 0 : extraT[0] / refT[0]);
    }
    System.out.print(result);
    Files.writeString(
        repo.resolve("repair/target/bench-result.txt"), result, StandardCharsets.UTF_8);
  }

  /** Builds the image unless it exists; returns a description. */
  static String build(Path image) throws IOException {
    String layout =
        MAPPINGS
            + " mappings in the origin (random data blocks), 4 snapshots sharing its root,"
            + " 2 diverged snapshots sharing its internal nodes and leaves";
    if (Files.exists(image)) {
      return layout;
    }
    Files.createDirectories(image.getParent());
    try (RandomAccessFile f = new RandomAccessFile(image.toFile(), "rw")) {
      f.setLength(METADATA_BLOCKS * 4096);
    }
    try (FileBlockDevice dev =
        FileBlockDevice.open(image, FileBlockDevice.Mode.READ_WRITE, false)) {
      PoolBuilder b = new PoolBuilder(dev, NR_DATA_BLOCKS);
      // A bijection of [0, 2^24): odd multiplier modulo a power of two.
      List<long[]> leaves =
          b.mappingLeaves(MAPPINGS, i -> i, i -> (i * 0x9E3779B1L) & (NR_DATA_BLOCKS - 1), 0);
      List<long[]> level1 = new ArrayList<>();
      List<List<long[]>> groups = new ArrayList<>();
      int nGroups = (leaves.size() + PoolBuilder.MAPPING_MAX - 1) / PoolBuilder.MAPPING_MAX;
      int done = 0;
      for (int g = 0; g < nGroups; g++) {
        int size = (leaves.size() - done) / (nGroups - g);
        List<long[]> children = leaves.subList(done, done + size);
        groups.add(children);
        level1.add(new long[] {children.get(0)[0], internalOver(b, children)});
        done += size;
      }
      long origin = internalOver(b, level1);
      SortedMap<Long, Long> roots = new TreeMap<>();
      SortedMap<Long, DeviceDetails> details = new TreeMap<>();
      for (long id = 1; id <= 5; id++) {
        roots.put(id, origin);
        details.put(id, new DeviceDetails(MAPPINGS, id, id - 1, 4));
      }
      // Diverged snapshots: a new copy of one internal node whose last leaf was rewritten to data
      // blocks counted from 0 (some of which the origin maps too, giving them count 2).
      long nextData = 0;
      for (long id = 6; id <= 7; id++) {
        int g = id == 6 ? 3 : nGroups - 1;
        List<long[]> children = new ArrayList<>(groups.get(g));
        long[] last = children.get(children.size() - 1);
        long first = last[0];
        long end = g + 1 < nGroups ? groups.get(g + 1).get(0)[0] : MAPPINGS;
        int n = (int) (end - first);
        long[] t = new long[n];
        long[] d = new long[n];
        for (int i = 0; i < n; i++) {
          t[i] = first + i;
          d[i] = nextData++;
        }
        children.set(children.size() - 1, new long[] {first, b.mappingLeaf(t, d, 5)});
        List<long[]> top = new ArrayList<>(level1);
        top.set(g, new long[] {level1.get(g)[0], internalOver(b, children)});
        roots.put(id, internalOver(b, top));
        details.put(id, new DeviceDetails(MAPPINGS, id, 5, 5));
      }
      long d = b.detailsTree(details);
      long m = b.topLevelTree(roots);
      b.finish(d, m, 0, 7, 5, 0);
    }
    return layout;
  }

  private static long internalOver(PoolBuilder b, List<long[]> children) {
    return b.internal(
        children.stream().mapToLong(x -> x[0]).toArray(),
        children.stream().mapToLong(x -> x[1]).toArray());
  }

  record Timed(int exit, double seconds) {}

  static Timed run(List<String> cmd, String javaOpts) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().put("JAVA_OPTS", javaOpts);
    long t0 = System.nanoTime();
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    int exit = p.waitFor();
    double s = (System.nanoTime() - t0) / 1e9;
    System.out.printf(
        Locale.ROOT, "%s [%s]: exit %d, %.2f s%n%s", cmd.get(0), javaOpts, exit, s, out);
    return new Timed(exit, s);
  }

  static Path repo() {
    Path here = Path.of("").toAbsolutePath();
    while (here != null && !Files.exists(here.resolve("bin/thinmeta"))) {
      here = here.getParent();
    }
    return here;
  }
}
