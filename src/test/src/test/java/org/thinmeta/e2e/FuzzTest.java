package org.thinmeta.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/**
 * Seeded fuzzing of every read-only tool: mutated kernel fixtures and generated pools, each run
 * bounded in time; every run must exit 0 or 64 with at most a few plain stderr lines.
 *
 * <p>Each mutated image is a distinct input: it goes through the full {@code thin_check} and one
 * other invocation of {@link #TOOLS}, taken in turn, so every tool sees a twelfth of the images.
 * Bounds: {@code -Dthinmeta.fuzz.inputs} (mutated images, default 20,000, issue 9), {@code
 * -Dthinmeta.fuzz.seconds} (wall-clock budget, default 280; the test fails if the budget ends
 * before every input ran), {@code -Dthinmeta.fuzz.seed}. Replay one input with {@code
 * -Dthinmeta.fuzz.only=N}.
 */
class FuzzTest {
  static final String IMG = "/img";

  /** The read-only tool invocations run on every mutated image. */
  static final List<String[]> TOOLS =
      List.of(
          new String[] {"thin_check", IMG},
          new String[] {"thin_check", "--super-block-only", IMG},
          new String[] {"thin_check", "-m", IMG},
          new String[] {"thin_check", "--skip-mappings", IMG},
          new String[] {"thin_dump", IMG},
          new String[] {"thin_dump", "-m", IMG},
          new String[] {"thin_dump", "--skip-mappings", "-f", "human_readable", IMG},
          new String[] {
            "thin_ls", "--no-headers", "-o", "DEV,MAPPED,EXCLUSIVE,SHARED,HIGHEST_MAPPED", IMG
          },
          new String[] {"thin_ls", "-m", "-o", "DEV,EXCLUSIVE_BLOCKS", IMG},
          new String[] {"thin_delta", "--snap1", "1", "--snap2", "2", IMG},
          new String[] {"thin_rmap", "--region", "0..100000", IMG},
          new String[] {"thin_metadata_pack", "-f", "-i", IMG, "-o", "/out.pack"});

  static final int MAX_STDERR_LINES = 6;
  static final int MAX_CHECK_LINES = 400;
  static final long RUN_TIMEOUT_SECONDS = 20;

  @Test
  void mutatedImages_neverCrashHangOrExitWrongly() throws Exception {
    assumeTrue(Fixtures.available());
    int inputs = Integer.getInteger("thinmeta.fuzz.inputs", 20_000);
    long seconds = Long.getLong("thinmeta.fuzz.seconds", 280);
    long seed = Long.getLong("thinmeta.fuzz.seed", 20261122L);
    int only = Integer.getInteger("thinmeta.fuzz.only", -1);

    List<Mutator.Source> sources = sources();
    long start = System.nanoTime();
    long deadline = start + TimeUnit.SECONDS.toNanos(seconds);
    List<String> failures = new ArrayList<>();
    int runs = 0;
    int done = 0;
    int[] byStatus = new int[256];
    ExecutorService pool = newPool();
    try (FileSystem fs = Jimfs.newFileSystem(Configuration.unix())) {
      for (int i = 0; i < inputs && System.nanoTime() < deadline; i++) {
        if (only >= 0 && i != only) {
          continue;
        }
        Mutator.Source src = sources.get(i % sources.size());
        Mutator m = new Mutator(seed * 1_000_003L + i);
        byte[] img = m.mutate(src);
        Files.write(fs.getPath(IMG), img);
        for (String[] args : List.of(TOOLS.get(0), TOOLS.get(1 + i % (TOOLS.size() - 1)))) {
          runs++;
          String what =
              "input " + i + " (" + src.name() + ": " + m.log() + ") " + String.join(" ", args);
          Future<Cli.Result> f = pool.submit(() -> Cli.runIn(fs, "", args));
          Cli.Result r;
          try {
            r = f.get(RUN_TIMEOUT_SECONDS, TimeUnit.SECONDS);
          } catch (TimeoutException e) {
            failures.add("HANG " + what);
            f.cancel(true);
            pool.shutdownNow();
            pool = newPool();
            continue;
          } catch (java.util.concurrent.ExecutionException e) {
            failures.add("THROWN " + what + ": " + e.getCause());
            continue;
          }
          byStatus[r.status() & 0xff]++;
          String problem = problem(args[0], r);
          if (problem != null && failures.size() < 200) {
            failures.add(problem + " " + what + "\n" + r.stderr());
          }
        }
        done++;
      }
    } finally {
      pool.shutdownNow();
    }
    double secs = (System.nanoTime() - start) / 1e9;
    System.out.printf(
        Locale.ROOT,
        "fuzz: %d mutated images, %d tool runs in %.1f s (%.0f runs/s); exit 0: %d, exit 64: %d;"
            + " %d failures%n",
        done,
        runs,
        secs,
        runs / secs,
        byStatus[0],
        byStatus[64],
        failures.size());
    assertEquals(List.of(), failures.subList(0, Math.min(20, failures.size())));
    assertTrue(only >= 0 || done == inputs, "the time budget ended after " + done + " inputs");
  }

  @Test
  void mutatedXml_restoresValidMetadataOrFailsCleanly() throws Exception {
    assumeTrue(Fixtures.available());
    int inputs = Integer.getInteger("thinmeta.fuzz.xmlInputs", 400);
    long seed = Long.getLong("thinmeta.fuzz.seed", 20261122L);
    List<String> failures = new ArrayList<>();
    int[] byStatus = new int[256];
    long start = System.nanoTime();
    ExecutorService pool = newPool();
    try (FileSystem fs = Jimfs.newFileSystem(Configuration.unix())) {
      List<String> sources = new ArrayList<>();
      for (byte[] img : List.of(generated("11", "fifo"), generated("13", "fifo"))) {
        Files.write(fs.getPath("/src.bin"), img);
        Cli.Result d = Cli.runIn(fs, "", "thin_dump", "/src.bin");
        assertEquals(0, d.status(), d::toString);
        sources.add(d.stdout());
      }
      byte[] blank = new byte[4 << 20];
      for (int i = 0; i < inputs; i++) {
        java.util.Random rnd = new java.util.Random(seed * 7919L + i);
        List<String> lines = new ArrayList<>(sources.get(i % sources.size()).lines().toList());
        StringBuilder log = new StringBuilder();
        int n = 1 + rnd.nextInt(3);
        for (int k = 0; k < n; k++) {
          mutateXml(rnd, lines, log);
        }
        String xml = String.join("\n", lines) + "\n";
        if (rnd.nextInt(10) == 0) {
          int cut = rnd.nextInt(xml.length());
          xml = xml.substring(0, cut);
          log.append("trunc@").append(cut);
        }
        Files.writeString(fs.getPath("/in.xml"), xml);
        Files.write(fs.getPath("/out.bin"), blank);
        String what = "xml input " + i + " (" + log + ")";
        Future<Cli.Result> f =
            pool.submit(() -> Cli.runIn(fs, "", "thin_restore", "-i", "/in.xml", "-o", "/out.bin"));
        Cli.Result r;
        try {
          r = f.get(RUN_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
          failures.add("HANG " + what);
          f.cancel(true);
          pool.shutdownNow();
          pool = newPool();
          continue;
        }
        byStatus[r.status() & 0xff]++;
        String problem = problem("thin_restore", r);
        if (problem == null && r.status() == 0) {
          Cli.Result check = Cli.runIn(fs, "", "thin_check", "/out.bin");
          if (check.status() != 0) {
            problem = "RESTORED-INVALID " + check.stderr();
          }
        }
        if (problem != null) {
          failures.add(problem + " " + what + "\n" + r.stderr());
        }
      }
    } finally {
      pool.shutdownNow();
    }
    System.out.printf(
        Locale.ROOT,
        "xml fuzz: %d mutated XML inputs in %.1f s; exit 0: %d, exit 64: %d; %d failures%n",
        inputs,
        (System.nanoTime() - start) / 1e9,
        byStatus[0],
        byStatus[64],
        failures.size());
    assertEquals(List.of(), failures.subList(0, Math.min(20, failures.size())));
  }

  private static final String[] XML_VALUES = {
    "0",
    "1",
    "-1",
    "18446744073709551615",
    "18446744073709551616",
    "99999999999999999999999",
    "4294967295",
    "4294967296",
    "x",
    "",
    "1e3",
    " 1",
    "0x10",
    "65536",
    "20000",
    "19999",
    "20001",
    "&amp;",
    "9223372036854775807"
  };

  private static void mutateXml(java.util.Random rnd, List<String> lines, StringBuilder log) {
    int at = rnd.nextInt(lines.size());
    switch (rnd.nextInt(6)) {
      case 0, 1 -> { // an attribute value
        java.util.regex.Matcher m =
            java.util.regex.Pattern.compile("=\"([^\"]*)\"").matcher(lines.get(at));
        List<int[]> spans = new ArrayList<>();
        while (m.find()) {
          spans.add(new int[] {m.start(1), m.end(1)});
        }
        if (!spans.isEmpty()) {
          int[] sp = spans.get(rnd.nextInt(spans.size()));
          String v = XML_VALUES[rnd.nextInt(XML_VALUES.length)];
          String l = lines.get(at);
          lines.set(at, l.substring(0, sp[0]) + v + l.substring(sp[1]));
          log.append("value@").append(at).append('=').append(v).append(' ');
        }
      }
      case 2 -> {
        lines.remove(at);
        log.append("del@").append(at).append(' ');
      }
      case 3 -> {
        lines.add(at, lines.get(at));
        log.append("dup@").append(at).append(' ');
      }
      case 4 -> {
        int b = rnd.nextInt(lines.size());
        String t = lines.get(at);
        lines.set(at, lines.get(b));
        lines.set(b, t);
        log.append("swap@").append(at).append(',').append(b).append(' ');
      }
      default -> {
        String[] junk = {
          "<unknown a=\"1\"/>", "<device dev_id=\"1\">", "</device>", "<!-- c -->", "&foo;"
        };
        String j = junk[rnd.nextInt(junk.length)];
        lines.add(at, j);
        log.append("insert@").append(at).append(' ');
      }
    }
  }

  /** Why a run is a failure, or null. */
  static String problem(String tool, Cli.Result r) {
    String err = r.stderr();
    if (r.status() != 0 && r.status() != 64) {
      return "EXIT " + r.status();
    }
    if (err.contains("at org.")
        || err.contains("Exception")
        || err.contains("internal error:")
        || err.contains("OutOfMemoryError")
        || err.contains("out of memory")) {
      return "TRACE";
    }
    // thin_check reports one line per damaged node and device: bounded by the image, not short.
    long maxLines = tool.equals("thin_check") ? MAX_CHECK_LINES : MAX_STDERR_LINES;
    if (err.lines().count() > maxLines) {
      return "VERBOSE";
    }
    return null;
  }

  private static ExecutorService newPool() {
    return Executors.newSingleThreadExecutor(
        r -> {
          Thread t = new Thread(r, "fuzz-run");
          t.setDaemon(true);
          return t;
        });
  }

  /** The kernel fixtures plus two generated pools. */
  static List<Mutator.Source> sources() throws Exception {
    List<Mutator.Source> out = new ArrayList<>();
    List<String> names = new ArrayList<>(Fixtures.VALID);
    names.addAll(Fixtures.DAMAGED_SNAPSHOT);
    for (String n : names) {
      out.add(Mutator.Source.of(n, Files.readAllBytes(Fixtures.image(n))));
    }
    out.add(Mutator.Source.of("generated-fifo", generated("11", "fifo")));
    out.add(Mutator.Source.of("generated-lifo", generated("12", "lifo")));
    return out;
  }

  private static byte[] generated(String seed, String order) throws Exception {
    try (FileSystem fs = Jimfs.newFileSystem(Configuration.unix())) {
      Path out = fs.getPath("/gen.bin");
      Cli.Result r =
          Cli.runIn(
              fs,
              "",
              "thin_generate_metadata",
              "-o",
              out.toString(),
              "--format",
              "--metadata-blocks",
              "256",
              "--data-blocks",
              "20000",
              "--op-order",
              order,
              "--seed",
              seed,
              "--ops",
              "300",
              "--vblocks",
              "4000",
              "--max-range",
              "100",
              "-q");
      assertEquals(0, r.status(), r::toString);
      return Files.readAllBytes(out);
    }
  }
}
