package org.thinmeta.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** thin_ls on the kernel fixtures against 0.9.0 (live runs and the recorded outputs). */
class ThinLsTest {
  /**
   * Field lists on which 0.9.0 and 1.3.3 print the same (pretty sizes differ for zero: see {@link
   * #prettyZero_isPrintedAs0b}).
   */
  static final List<String> FIELD_LISTS =
      List.of(
          "DEV,MAPPED_BLOCKS,EXCLUSIVE_BLOCKS,SHARED_BLOCKS,TRANSACTION,CREATE_TIME,SNAP_TIME",
          "MAPPED_SECTORS,EXCLUSIVE_SECTORS,SHARED_SECTORS,DEV",
          "MAPPED_BYTES,EXCLUSIVE_BYTES,SHARED_BYTES,SNAP_TIME,SNAP_TIME",
          "TRANSACTION,DEV,CREATE_TIME");

  static Stream<Arguments> runs() {
    List<Arguments> out = new ArrayList<>();
    for (String name : Fixtures.VALID) {
      for (String fields : FIELD_LISTS) {
        out.add(Arguments.of(name, fields, false));
        out.add(Arguments.of(name, fields, true));
      }
      if (Fixtures.WITH_SNAPSHOT.contains(name)) {
        out.add(Arguments.of(name + " -m", FIELD_LISTS.get(0), false));
      }
      if (!List.of("tmeta_device_id_reuse", "tmeta_with_deleted_snapshot").contains(name)) {
        // Default fields (with MAPPED): only where no device is empty.
        out.add(Arguments.of(name, "", false));
      }
    }
    return out.stream();
  }

  static String[] args(String nameAndFlags, String fields, boolean noHeaders) {
    String[] nf = nameAndFlags.split(" ");
    List<String> a = new ArrayList<>(Arrays.asList(nf).subList(1, nf.length));
    if (!fields.isEmpty()) {
      a.add("-o");
      a.add(fields);
    }
    if (noHeaders) {
      a.add("--no-headers");
    }
    a.add(Fixtures.image(nf[0]).toString());
    return a.toArray(new String[0]);
  }

  @ParameterizedTest(name = "{0} -o {1} no-headers={2}")
  @MethodSource("runs")
  void output_equalsReference(String nameAndFlags, String fields, boolean noHeaders)
      throws Exception {
    assumeTrue(Fixtures.available(), "shared fixtures missing");
    assumeTrue(Reference.available(), "0.9.0 not installed");
    String[] a = args(nameAndFlags, fields, noHeaders);

    Cli.Result ours = Cli.run(concat("thin_ls", a));
    Cli.Result ref = Reference.run("thin_ls", a);

    assertEquals(0, ref.status(), ref::toString);
    assertEquals(0, ours.status(), ours::toString);
    assertEquals(ref.stdout(), ours.stdout());
  }

  /** Pretty sizes agree with 0.9.0 except for zero, which 1.3.3 prints as {@code 0b}. */
  @Test
  void prettySizes_equalReferenceOnTmeta() throws Exception {
    assumeTrue(Fixtures.available(), "shared fixtures missing");
    assumeTrue(Reference.available(), "0.9.0 not installed");
    String[] a = {"-o", "DEV,MAPPED,EXCLUSIVE,SHARED", Fixtures.image("tmeta").toString()};

    Cli.Result ours = Cli.run(concat("thin_ls", a));
    Cli.Result ref = Reference.run("thin_ls", a);

    assertEquals(ref.stdout(), ours.stdout());
  }

  @Test
  void prettyZero_isPrintedAs0b() throws Exception {
    assumeTrue(Fixtures.available(), "shared fixtures missing");

    Cli.Result r =
        Cli.run(
            "thin_ls",
            "-o",
            "DEV,EXCLUSIVE,SHARED",
            Fixtures.image("tmeta_with_shared_internal_root").toString());

    assertEquals(0, r.status(), r::toString);
    assertEquals(
        "DEV EXCLUSIVE SHARED \n" + "  1        0b 100MiB \n" + "  2        0b 100MiB \n",
        r.stdout());
  }

  /** The recorded 0.9.0 outputs (thin_ls runs of every fixture), compared by sha256. */
  static Stream<Arguments> recorded() throws Exception {
    List<Arguments> out = new ArrayList<>();
    if (!Fixtures.available()) {
      return Stream.empty();
    }
    for (String name : Fixtures.VALID) {
      for (Expected.Run r : Expected.runs(name, "thin_ls ")) {
        out.add(Arguments.of(name, r));
      }
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0}: {1}")
  @MethodSource("recorded")
  void output_equalsRecordedReferenceOutput(String name, Expected.Run run) throws Exception {
    String[] words = run.command().split(" ");
    List<String> a = new ArrayList<>(Arrays.asList(words).subList(1, words.length - 1));
    a.add(Fixtures.image(name).toString());

    Cli.Result r = Cli.run(concat("thin_ls", a.toArray(new String[0])));

    assertEquals(run.status(), r.status(), r::toString);
    assertEquals(String.join("\n", run.stdout()) + "\n", r.stdout());
    assertEquals(run.stdoutSha256(), sha256(r.stdoutBytes()));
  }

  /** HIGHEST_* (1.3.3 only) against the highest mapped block in the stored 0.9.0 dumps. */
  @ParameterizedTest
  @MethodSource("validNames")
  void highestFields_matchTheStoredDump(String name) throws Exception {
    assumeTrue(Fixtures.available(), "shared fixtures missing");
    Map<Long, Long> highest = highestFromDump(name);

    Cli.Result r =
        Cli.run(
            "thin_ls",
            "--no-headers",
            "-o",
            "DEV,HIGHEST_BLOCK,HIGHEST_SECTOR,HIGHEST_BYTE",
            Fixtures.image(name).toString());

    assertEquals(0, r.status(), r::toString);
    StringBuilder want = new StringBuilder();
    List<String[]> rows = new ArrayList<>();
    for (Map.Entry<Long, Long> e : highest.entrySet()) {
      long h = e.getValue();
      rows.add(
          new String[] {
            "" + e.getKey(), "" + h, "" + ((h + 1) * 128 - 1), "" + ((h + 1) * 128 * 512 - 1)
          });
    }
    int[] w = new int[4];
    for (String[] row : rows) {
      for (int i = 0; i < 4; i++) {
        w[i] = Math.max(w[i], row[i].length());
      }
    }
    for (String[] row : rows) {
      for (int i = 0; i < 4; i++) {
        want.append(" ".repeat(w[i] - row[i].length())).append(row[i]).append(' ');
      }
      want.append('\n');
    }
    assertFalse(rows.isEmpty());
    assertEquals(want.toString(), r.stdout());
  }

  static List<String> validNames() {
    return Fixtures.VALID;
  }

  private static final Pattern DEVICE = Pattern.compile("<device dev_id=\"(\\d+)\"");
  private static final Pattern SINGLE = Pattern.compile("origin_block=\"(\\d+)\"");
  private static final Pattern RANGE =
      Pattern.compile("origin_begin=\"(\\d+)\" data_begin=\"\\d+\" length=\"(\\d+)\"");

  /** Device id to highest mapped block (0 if none), from the stored 0.9.0 dump. */
  static Map<Long, Long> highestFromDump(String name) throws Exception {
    String xml = new String(Fixtures.stored(name + ".dump.xml"), StandardCharsets.UTF_8);
    Map<Long, Long> out = new TreeMap<>();
    long dev = -1;
    for (String line : xml.split("\n")) {
      Matcher m = DEVICE.matcher(line);
      if (m.find()) {
        dev = Long.parseLong(m.group(1));
        out.put(dev, 0L);
        continue;
      }
      m = RANGE.matcher(line);
      if (m.find()) {
        long last = Long.parseLong(m.group(1)) + Long.parseLong(m.group(2)) - 1;
        out.merge(dev, last, Math::max);
        continue;
      }
      m = SINGLE.matcher(line);
      if (m.find()) {
        out.merge(dev, Long.parseLong(m.group(1)), Math::max);
      }
    }
    return out;
  }

  @Test
  void unknownField_isAUsageError() throws Exception {
    assumeTrue(Fixtures.available(), "shared fixtures missing");

    Cli.Result r = Cli.run("thin_ls", "-o", "DEV,FOO", Fixtures.image("tmeta").toString());

    assertEquals(2, r.status(), r::toString);
    assertEquals(
        "Invalid value for option '--format' (FIELDS): Unknown field",
        r.stderr().lines().findFirst().orElse(""));
    assertEquals("", r.stdout());
  }

  @Test
  void damagedSnapshotMappingTree_failsWithOneLine() throws Exception {
    assumeTrue(Fixtures.available(), "shared fixtures missing");

    Cli.Result r =
        Cli.run(
            "thin_ls",
            "-m",
            "-o",
            "DEV,MAPPED_BLOCKS",
            Fixtures.image("tmeta_device_id_reuse_with_corrupted_thins").toString());

    assertEquals(64, r.status(), r::toString);
    assertEquals("Scanning data mappings\nmetadata contains errors\n", r.stderr());
    assertEquals("", r.stdout());
  }

  @Test
  void metadataSnapOfDamagedLivePool_readsTheSnapshotOnly() throws Exception {
    assumeTrue(Fixtures.available(), "shared fixtures missing");

    Cli.Result r =
        Cli.run("thin_ls", "-m", Fixtures.image("corrupted_tmeta_with_metadata_snap").toString());

    assertEquals(0, r.status(), r::toString);
    assertEquals(
        "DEV MAPPED CREATE_TIME SNAP_TIME \n  1     0b           0         0 \n", r.stdout());
  }

  @Test
  void noMetadataSnapshot_fails() throws Exception {
    assumeTrue(Fixtures.available(), "shared fixtures missing");

    Cli.Result r = Cli.run("thin_ls", "-m", Fixtures.image("tmeta").toString());

    assertEquals(64, r.status(), r::toString);
    assertEquals("no current metadata snap\n", r.stderr());
  }

  @Test
  void missingInput_failsWithTheReferenceMessage() {
    Path p = Path.of("/nonexistent/meta.bin");

    Cli.Result r = Cli.run("thin_ls", p.toString());

    assertEquals(64, r.status(), r::toString);
    assertEquals("Couldn't find input file '/nonexistent/meta.bin'\n", r.stderr());
  }

  static String[] concat(String first, String[] rest) {
    String[] out = new String[rest.length + 1];
    out[0] = first;
    System.arraycopy(rest, 0, out, 1, rest.length);
    return out;
  }

  static String sha256(byte[] b) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
  }
}
