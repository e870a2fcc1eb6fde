package org.thinmeta.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * thin_dump against the installed 0.9.0 reference, byte for byte, on every valid kernel fixture and
 * option the issue names. Where the reference is absent, the stored dumps stand in (plain and
 * {@code -m}; {@code --skip-mappings} and {@code --dev-id} are derived from the stored dump).
 */
class ThinDumpReferenceTest {
  /** Options compared for every valid image. */
  private static final List<List<String>> LIVE_OPTIONS =
      List.of(
          List.of(),
          List.of("-f", "human_readable"),
          List.of("--format=human_readable"),
          List.of("--skip-mappings"),
          List.of("--skip-mappings", "-f", "human_readable"),
          List.of("--dev-id", "1"),
          List.of("--dev-id", "2"),
          List.of("--dev-id", "16", "--dev-id", "1", "--dev-id", "9"),
          List.of("--dev-id", "1", "--skip-mappings"),
          List.of("--dev-id", "12345"),
          List.of("--transaction-id", "1000000"),
          List.of("--data-block-size", "256"),
          List.of("--nr-data-blocks", "10000000"),
          List.of(
              "--transaction-id",
              "77777",
              "--data-block-size",
              "1024",
              "--nr-data-blocks",
              "999999999"));

  /** Options compared for every valid image with a metadata snapshot. */
  private static final List<List<String>> SNAPSHOT_OPTIONS =
      List.of(
          List.of("-m"),
          List.of("--metadata-snap"),
          List.of("-m", "-f", "human_readable"),
          List.of("-m", "--skip-mappings"),
          List.of("-m", "--dev-id", "1"),
          List.of("-m", "--dev-id", "2"));

  static Stream<Arguments> cases() {
    List<Arguments> out = new ArrayList<>();
    for (String name : Fixtures.VALID) {
      for (List<String> o : LIVE_OPTIONS) {
        out.add(Arguments.of(name, o));
      }
      if (Fixtures.WITH_SNAPSHOT.contains(name)) {
        for (List<String> o : SNAPSHOT_OPTIONS) {
          out.add(Arguments.of(name, o));
        }
      }
    }
    // The live metadata of these images is sound even though their snapshots are damaged.
    for (String name : Fixtures.DAMAGED_SNAPSHOT) {
      out.add(Arguments.of(name, List.of()));
      out.add(Arguments.of(name, List.of("-f", "human_readable")));
    }
    // -m on an image whose live trees are damaged but whose snapshot is sound.
    out.add(Arguments.of("corrupted_tmeta_with_metadata_snap", List.of("-m")));
    out.add(
        Arguments.of("corrupted_tmeta_with_metadata_snap", List.of("-m", "-f", "human_readable")));
    return out.stream();
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("cases")
  void matchesReference(String name, List<String> options) throws Exception {
    assumeTrue(Fixtures.available(), "shared fixtures missing");
    String image = Fixtures.image(name).toString();
    Cli.Result ours = Cli.run(args("thin_dump", options, image));
    byte[] expected = expected(name, options, image);
    assumeTrue(expected != null, "no reference and no stored dump for " + name + " " + options);

    assertEquals(0, ours.status(), ours::toString);
    assertEquals("", ours.stderr());
    assertArrayEquals(expected, ours.stdoutBytes(), () -> diff(expected, ours.stdoutBytes()));
  }

  /** -m with the snapshot's block number attached, as 0.9.0 accepts it. */
  @Test
  void metadataSnapWithItsBlockNumber() throws Exception {
    assumeTrue(Fixtures.available(), "shared fixtures missing");
    String image = Fixtures.image("tmeta_with_metadata_snap").toString();
    byte[] snap = Fixtures.stored("tmeta_with_metadata_snap.snap.dump.xml");

    for (String form : List.of("-m6", "--metadata-snap=6")) {
      Cli.Result r = Cli.run("thin_dump", form, image);
      assertEquals(0, r.status(), r::toString);
      assertArrayEquals(snap, r.stdoutBytes(), form);
    }
    if (Reference.available()) {
      assertArrayEquals(snap, Reference.run("thin_dump", "-m6", image).stdoutBytes());
    }
  }

  /**
   * The overrides follow the format doc (§8.8: transaction and nr_data_blocks take the larger of
   * override and superblock). 0.9.0 replaces them instead; where the two differ, we keep the
   * superblock's larger value, and the rest of the output matches the reference.
   */
  @Test
  void overridesBelowTheSuperblockValues_keepTheSuperblockValues() throws Exception {
    assumeTrue(Fixtures.available(), "shared fixtures missing");
    String image = Fixtures.image("tmeta_with_empty_roots").toString();
    byte[] plain = Fixtures.stored("tmeta_with_empty_roots.dump.xml");

    Cli.Result r = Cli.run("thin_dump", "--transaction-id", "1", "--nr-data-blocks", "5", image);

    assertEquals(0, r.status(), r::toString);
    assertArrayEquals(plain, r.stdoutBytes());
    if (Reference.available()) {
      Cli.Result ref =
          Reference.run("thin_dump", "--transaction-id", "1", "--nr-data-blocks", "5", image);
      assertEquals(
          new String(plain, StandardCharsets.US_ASCII)
              .replaceFirst("transaction=\"2\"", "transaction=\"1\"")
              .replaceFirst("nr_data_blocks=\"1024\"", "nr_data_blocks=\"5\""),
          ref.stdout(),
          "0.9.0 replaces the values; if this fails, the reference changed");
    }
  }

  private static String[] args(String tool, List<String> options, String image) {
    List<String> a = new ArrayList<>();
    a.add(tool);
    a.addAll(options);
    a.add(image);
    return a.toArray(new String[0]);
  }

  /** The reference's output, or what the stored dumps say it is, or null if neither is known. */
  private static byte[] expected(String name, List<String> options, String image)
      throws IOException, InterruptedException {
    if (Reference.available()) {
      List<String> a = new ArrayList<>(options);
      a.add(image);
      Cli.Result ref = Reference.run("thin_dump", a.toArray(new String[0]));
      assertEquals(0, ref.status(), () -> "reference failed: " + ref);
      return ref.stdoutBytes();
    }
    boolean snap = options.contains("-m") || options.contains("--metadata-snap");
    List<String> rest = new ArrayList<>(options);
    rest.removeAll(List.of("-m", "--metadata-snap"));
    byte[] stored = Fixtures.stored(name + (snap ? ".snap.dump.xml" : ".dump.xml"));
    if (stored == null) {
      return null;
    }
    String xml = new String(stored, StandardCharsets.US_ASCII);
    List<Long> ids = new ArrayList<>();
    boolean skip = false;
    for (int i = 0; i < rest.size(); i++) {
      switch (rest.get(i)) {
        case "--dev-id" -> ids.add(Long.parseLong(rest.get(++i)));
        case "--skip-mappings" -> skip = true;
        default -> {
          return null; // formats and overrides need the reference
        }
      }
    }
    return filter(xml, ids, skip).getBytes(StandardCharsets.US_ASCII);
  }

  /** A 0.9.0 dump reduced to some devices and/or without mappings. */
  private static String filter(String xml, List<Long> ids, boolean skipMappings) {
    StringBuilder out = new StringBuilder();
    boolean keep = true;
    for (String line : xml.split("\n", -1)) {
      if (line.isEmpty()) {
        continue;
      }
      if (line.startsWith("  <device ")) {
        long id = Long.parseLong(line.replaceFirst("^  <device dev_id=\"([0-9]+)\".*$", "$1"));
        keep = ids.isEmpty() || ids.contains(id);
      }
      boolean mapping = line.startsWith("    <");
      boolean inDevice = line.startsWith("  ");
      if ((!inDevice || keep) && !(mapping && skipMappings)) {
        out.append(line).append('\n');
      }
    }
    return out.toString();
  }

  private static String diff(byte[] expected, byte[] actual) {
    String[] e = new String(expected, StandardCharsets.US_ASCII).split("\n", -1);
    String[] a = new String(actual, StandardCharsets.US_ASCII).split("\n", -1);
    for (int i = 0; i < Math.min(e.length, a.length); i++) {
      if (!e[i].equals(a[i])) {
        return "first difference at line "
            + (i + 1)
            + ":\n  expected: "
            + e[i]
            + "\n  actual:   "
            + a[i];
      }
    }
    return "line counts differ: expected " + e.length + ", actual " + a.length;
  }
}
