package org.thinmeta.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Smoke test of the benchmark harness (issue 8): {@code bench/run} at the tiny scale, dump rows
 * only, one run each, into temporary cache and results directories. A few seconds; the real
 * measurements are run by hand (bench/README.md).
 */
class BenchHarnessTest {
  @TempDir Path tmp;

  private static boolean onPath(String cmd) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
      if (Files.isExecutable(Path.of(dir, cmd))) {
        return true;
      }
    }
    return false;
  }

  @Test
  void tinyDumpRows_writeTheTableAndCsv() throws Exception {
    assumeTrue(Launcher.jarIsFresh(), "needs cli/target/thinmeta.jar (mvn package)");
    assumeTrue(onPath("python3") && Files.isExecutable(Path.of("/usr/bin/time")));
    boolean ref = Reference.available();
    Path results = tmp.resolve("results");
    List<String> cmd =
        new java.util.ArrayList<>(
            List.of(
                Fixtures.repo().resolve("bench/run").toString(),
                "--scale",
                "tiny",
                "--tools",
                "dump",
                "--runs",
                "1",
                "--warmup",
                "0",
                "--no-build",
                "--cache",
                tmp.resolve("cache").toString(),
                "--results",
                results.toString()));
    if (!ref) {
      cmd.add("--no-reference");
    }
    Process p =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(tmp.resolve("log").toFile())
            .start();
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "bench/run took over 2 minutes");
    String log = Files.readString(tmp.resolve("log"), StandardCharsets.UTF_8);
    assertEquals(0, p.exitValue(), log);

    String md = Files.readString(results.resolve("latest-tiny.md"), StandardCharsets.UTF_8);
    assertTrue(md.contains("- image: 40,631 mappings in 4 devices;"), md);
    assertTrue(md.contains("| row | ours s | ref s | ratio | target |"), md);
    List<String> csv = Files.readAllLines(results.resolve("latest-tiny.csv"));
    assertEquals(3, csv.size(), String.join("\n", csv));
    Map<String, String[]> rows = new HashMap<>();
    for (String line : csv.subList(1, csv.size())) {
      String[] f = line.split(",", -1);
      rows.put(f[1], f);
    }
    for (String row : List.of("dump-null", "dump-file")) {
      String[] f = rows.get(row);
      assertTrue(f != null, row + " missing: " + csv);
      assertTrue(Double.parseDouble(f[2]) > 0, "ours wall time of " + row);
      assertEquals("0.5", f[5], "target of " + row);
      assertEquals("0", f[16], "ours exit status of " + row);
      if (ref) {
        assertTrue(Double.parseDouble(f[3]) > 0, "reference wall time of " + row);
        assertTrue(Double.parseDouble(f[4]) > 0, "ratio of " + row);
      }
    }
    if (ref) {
      assertEquals("same", rows.get("dump-file")[12], "dump -o output against the reference");
    }
  }
}
