package org.thinmeta.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Issue 6 acceptance 5, off by default ({@code -Dthinmeta.bench=true}): on a pool of 10 million
 * origin mappings with 3 snapshots, thin_ls (exclusive/shared), thin_rmap over the whole pool and
 * thin_delta of the origin and a snapshot, run through the real launcher against 0.9.0 in the same
 * run; ours must take at most half the reference's time. Prints the figures.
 *
 * <p>Knobs: {@code thinmeta.bench.mappings} (default 10000000), {@code thinmeta.bench.dir} (default
 * /tmp).
 */
@EnabledIfSystemProperty(named = "thinmeta.bench", matches = "true")
class ToolsBenchmark {
  @Test
  void toolsTakeAtMostHalfTheReferenceTime() throws Exception {
    assumeTrue(Reference.available(), "0.9.0 not installed");
    long n = Long.getLong("thinmeta.bench.mappings", 10_000_000L);
    Path dir = Path.of(System.getProperty("thinmeta.bench.dir", "/tmp"));
    Path img = dir.resolve("thinmeta-bench-" + n + ".bin");
    long t0 = System.nanoTime();
    BigPool.write(img, n, 3, 65536 + (int) (n / 150));
    System.out.printf(
        Locale.ROOT, "pool written in %.1f s: %s%n", (System.nanoTime() - t0) / 1e9, img);
    try {
      Path bin = Fixtures.repo().resolve("bin");
      List<String[]> cases =
          List.of(
              new String[] {"thin_ls", "-o", "DEV,MAPPED_BLOCKS,EXCLUSIVE_BLOCKS,SHARED_BLOCKS"},
              new String[] {"thin_rmap", "--region", "0.." + (n * 2)},
              new String[] {"thin_delta", "--snap1", "1", "--snap2", "2"});
      StringBuilder report = new StringBuilder();
      List<String> slow = new ArrayList<>();
      for (String[] c : cases) {
        Path refOut = dir.resolve("bench-ref.out");
        Path ourOut = dir.resolve("bench-our.out");
        double ref = time(Reference.find(c[0]).toString(), c, img, refOut);
        double ours = time(bin.resolve(c[0]).toString(), c, img, ourOut);
        String line =
            String.format(
                Locale.ROOT,
                "%-10s 0.9.0 %7.2f s   thinmeta %7.2f s   ratio %.2f   output %d / %d bytes",
                c[0],
                ref,
                ours,
                ours / ref,
                Files.size(refOut),
                Files.size(ourOut));
        report.append(line).append('\n');
        if (ours > ref / 2) {
          slow.add(line);
        }
        if (c[0].equals("thin_ls")) {
          assertEquals(Files.readString(refOut), Files.readString(ourOut));
        }
        Files.deleteIfExists(refOut);
        Files.deleteIfExists(ourOut);
      }
      System.out.print(report);
      assertTrue(slow.isEmpty(), "slower than half the reference:\n" + String.join("\n", slow));
    } finally {
      if (!Boolean.getBoolean("thinmeta.bench.keep")) {
        Files.deleteIfExists(img);
      }
    }
  }

  /** Wall time of one run in seconds (stdout to {@code out}); fails on a non-zero exit. */
  static double time(String exe, String[] c, Path img, Path out) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(exe);
    for (int i = 1; i < c.length; i++) {
      cmd.add(c[i]);
    }
    cmd.add(img.toString());
    long t = System.nanoTime();
    Process p =
        new ProcessBuilder(cmd)
            .redirectOutput(out.toFile())
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .start();
    assertTrue(p.waitFor(60, TimeUnit.MINUTES));
    double s = (System.nanoTime() - t) / 1e9;
    assertEquals(0, p.exitValue(), String.join(" ", cmd));
    return s;
  }
}
