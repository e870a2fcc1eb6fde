package org.thinmeta.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.thinmeta.pdata.io.FileBlockDevice;
import org.thinmeta.thin.format.Superblock;
import org.thinmeta.thin.read.MetadataReader;

/** thin_delta on the kernel fixtures, against 0.9.0 and against the stored dumps. */
class ThinDeltaTest {
  static Stream<Arguments> pairs() {
    List<Arguments> out = new ArrayList<>();
    String[][] p = {
      {"tmeta", "1", "2"},
      {"tmeta", "2", "1"},
      {"tmeta", "1", "16"},
      {"tmeta", "16", "1"},
      {"tmeta", "3", "4"},
      {"tmeta", "15", "16"},
      {"tmeta", "8", "8"},
      {"tmeta", "1", "10"},
      {"tmeta_with_shared_internal_root", "1", "2"},
      {"tmeta_with_shared_internal_root", "2", "2"},
      {"tmeta_with_shared_internals_and_leaves", "1", "2"},
      {"tmeta_with_shared_internals_and_leaves", "2", "1"},
      {"tmeta_with_empty_roots", "1", "2"},
      {"tmeta_device_id_reuse", "1", "1"},
      {"tmeta_with_deleted_snapshot", "2", "2"},
    };
    for (String[] x : p) {
      out.add(Arguments.of(x[0], x[1], x[2], false));
      out.add(Arguments.of(x[0], x[1], x[2], true));
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0} {1} {2} verbose={3}")
  @MethodSource("pairs")
  void output_equalsReference(String name, String a, String b, boolean verbose) throws Exception {
    assumeTrue(Fixtures.available(), "shared fixtures missing");
    assumeTrue(Reference.available(), "0.9.0 not installed");
    List<String> args = new ArrayList<>(List.of("--snap1", a, "--thin2", b));
    if (verbose) {
      args.add("--verbose");
    }
    args.add(Fixtures.image(name).toString());

    Cli.Result ours = Cli.run(ThinLsTest.concat("thin_delta", args.toArray(new String[0])));
    Cli.Result ref = Reference.run("thin_delta", args.toArray(new String[0]));

    assertEquals(0, ref.status(), ref::toString);
    assertEquals(0, ours.status(), ours::toString);
    // See withMetadataSnapshot_equalsReferenceBarTheMetadataSnapAttribute.
    assertEquals(ref.stdout().replaceFirst(" metadata_snap=\"[0-9]+\"", ""), ours.stdout());
    assertEquals("", ours.stderr());
  }

  /**
   * 0.9.0 adds {@code metadata_snap="6"} to the superblock line when a metadata snapshot exists;
   * 1.3.3 does not, and neither do we. Everything else is equal.
   */
  @Test
  void withMetadataSnapshot_equalsReferenceBarTheMetadataSnapAttribute() throws Exception {
    assumeTrue(Fixtures.available(), "shared fixtures missing");
    assumeTrue(Reference.available(), "0.9.0 not installed");
    String img = Fixtures.image("tmeta_with_metadata_snap").toString();

    Cli.Result ours = Cli.run("thin_delta", "--snap1", "2", "--snap2", "3", img);
    Cli.Result ref = Reference.run("thin_delta", "--snap1", "2", "--snap2", "3", img);

    assertEquals(0, ours.status(), ours::toString);
    assertEquals(ref.stdout().replace(" metadata_snap=\"6\"", ""), ours.stdout());
    assertTrue(ref.stdout().contains(" metadata_snap=\"6\""));
  }

  static Stream<Arguments> snapshotRuns() {
    return Stream.of(
        Arguments.of("tmeta_with_metadata_snap", "-m", "1", "2"),
        Arguments.of("tmeta_with_metadata_snap", "-m6", "16", "4"),
        Arguments.of("tmeta_with_metadata_snap", "--metadata-snap=6", "4", "4"),
        Arguments.of("tmeta_device_id_reuse", "-m", "1", "1"),
        Arguments.of("tmeta_with_deleted_snapshot", "-m", "1", "1"));
  }

  @ParameterizedTest(name = "{0} {1} {2} {3}")
  @MethodSource("snapshotRuns")
  void metadataSnapshot_equalsReference(String name, String m, String a, String b)
      throws Exception {
    assumeTrue(Fixtures.available(), "shared fixtures missing");
    assumeTrue(Reference.available(), "0.9.0 not installed");
    String img = Fixtures.image(name).toString();
    String[] args = {m, "--snap1", a, "--snap2", b, img};

    Cli.Result ours = Cli.run(ThinLsTest.concat("thin_delta", args));
    Cli.Result ref = Reference.run("thin_delta", args);

    assertEquals(0, ref.status(), ref::toString);
    assertEquals(0, ours.status(), ours::toString);
    assertEquals(ref.stdout(), ours.stdout());
  }

  /** Expected output computed from the stored 0.9.0 dump, by the per-block definition. */
  @ParameterizedTest(name = "{0} {1} {2} verbose={3}")
  @MethodSource("pairs")
  void output_equalsWhatTheStoredDumpImplies(String name, String a, String b, boolean verbose)
      throws Exception {
    assumeTrue(Fixtures.available(), "shared fixtures missing");
    Map<Long, TreeMap<Long, Long>> dump = DumpMappings.read(name + ".dump.xml");
    String img = Fixtures.image(name).toString();
    Superblock sb;
    try (FileBlockDevice dev =
        FileBlockDevice.open(Fixtures.image(name), FileBlockDevice.Mode.READ_ONLY, false)) {
      sb = MetadataReader.readSuperblock(dev);
    }
    String want =
        "<superblock uuid=\"\" time=\""
            + sb.time()
            + "\" transaction=\""
            + sb.transactionId()
            + "\" data_block_size=\""
            + sb.dataBlockSize()
            + "\" nr_data_blocks=\""
            + sb.dataSmRoot().nrBlocks()
            + "\">\n  <diff left=\""
            + a
            + "\" right=\""
            + b
            + "\">\n"
            + body(dump.get(Long.parseLong(a)), dump.get(Long.parseLong(b)), verbose)
            + "  </diff>\n</superblock>\n";
    List<String> args = new ArrayList<>(List.of("--thin1", a, "--snap2", b, img));
    if (verbose) {
      args.add(0, "--verbose");
    }

    Cli.Result r = Cli.run(ThinLsTest.concat("thin_delta", args.toArray(new String[0])));

    assertEquals(0, r.status(), r::toString);
    assertEquals(want, r.stdout());
  }

  /** The per-block definition of the delta elements (format doc §10.2). */
  static String body(Map<Long, Long> left, Map<Long, Long> right, boolean verbose) {
    TreeSet<Long> keys = new TreeSet<>(left.keySet());
    keys.addAll(right.keySet());
    List<long[]> els = new ArrayList<>(); // kind, begin, ld, rd, len
    for (long v : keys) {
      Long ld = left.get(v);
      Long rd = right.get(v);
      int k = ld == null ? 1 : rd == null ? 0 : ld.equals(rd) ? 2 : 3;
      long l = ld == null ? 0 : ld;
      long r = rd == null ? 0 : rd;
      long[] cur = els.isEmpty() ? null : els.get(els.size() - 1);
      if (cur != null && cur[0] == k && cur[1] + cur[4] == v) {
        boolean lc = l == cur[2] + cur[4];
        boolean rc = r == cur[3] + cur[4];
        boolean cont = !verbose || (k == 0 ? lc : k == 1 ? rc : lc && rc);
        if (cont) {
          cur[4]++;
          continue;
        }
      }
      els.add(new long[] {k, v, l, r, 1});
    }
    String[] names = {"left_only", "right_only", "same", "different"};
    StringBuilder sb = new StringBuilder();
    int open = -1;
    for (long[] e : els) {
      String n = names[(int) e[0]];
      if (!verbose) {
        sb.append("    <").append(n).append(" begin=\"").append(e[1]);
        sb.append("\" length=\"").append(e[4]).append("\"/>\n");
        continue;
      }
      if (open != e[0]) {
        if (open >= 0) {
          sb.append("    </").append(names[open]).append(">\n");
        }
        sb.append("    <").append(n).append(">\n");
        open = (int) e[0];
      }
      sb.append("      <range begin=\"").append(e[1]);
      if (e[0] == 3) {
        sb.append("\" left_data_begin=\"").append(e[2]);
        sb.append("\" right_data_begin=\"").append(e[3]);
      } else {
        sb.append("\" data_begin=\"").append(e[0] == 1 ? e[3] : e[2]);
      }
      sb.append("\" length=\"").append(e[4]).append("\"/>\n");
    }
    if (open >= 0) {
      sb.append("    </").append(names[open]).append(">\n");
    }
    return sb.toString();
  }

  @Test
  void roots_giveTheSameDeltaWithRootAttributes() throws Exception {
    assumeTrue(Fixtures.available(), "shared fixtures missing");
    String img = Fixtures.image("tmeta").toString();
    SortedMap<Long, Long> roots;
    try (FileBlockDevice dev =
        FileBlockDevice.open(Fixtures.image("tmeta"), FileBlockDevice.Mode.READ_ONLY, false)) {
      Superblock sb = MetadataReader.readSuperblock(dev);
      roots = MetadataReader.readTopLevel(dev, dev.nrBlocks(), sb.mappingRoot());
    }
    long r1 = roots.get(1L);
    long r2 = roots.get(2L);

    Cli.Result bySnap = Cli.run("thin_delta", "--snap1", "1", "--snap2", "2", img);
    Cli.Result byRoot = Cli.run("thin_delta", "--root1", "" + r1, "--root2", "" + r2, img);
    Cli.Result mixed = Cli.run("thin_delta", "--thin1", "1", "--root2", "" + r2, img);

    assertEquals(0, byRoot.status(), byRoot::toString);
    assertEquals(
        bySnap
            .stdout()
            .replace(
                "<diff left=\"1\" right=\"2\">",
                "<diff left_root=\"" + r1 + "\" right_root=\"" + r2 + "\">"),
        byRoot.stdout());
    assertEquals(
        bySnap
            .stdout()
            .replace(
                "<diff left=\"1\" right=\"2\">", "<diff left=\"1\" right_root=\"" + r2 + "\">"),
        mixed.stdout());
  }

  @Test
  void missingSelection_isAUsageError() throws Exception {
    assumeTrue(Fixtures.available(), "shared fixtures missing");
    String img = Fixtures.image("tmeta").toString();

    Cli.Result r1 = Cli.run("thin_delta", "--snap2", "1", img);
    Cli.Result r2 = Cli.run("thin_delta", "--snap1", "1", img);
    Cli.Result both = Cli.run("thin_delta", "--snap1", "1", "--root1", "5", "--snap2", "2", img);

    assertEquals(2, r1.status());
    assertEquals("--thin1 or --root1 not specified\n", r1.stderr());
    assertEquals(2, r2.status());
    assertEquals("--thin2 or --root2 not specified\n", r2.stderr());
    assertEquals(2, both.status());
    assertEquals("--thin1 and --root1 cannot be used together\n", both.stderr());
  }

  @Test
  void unknownDevice_failsWithTheReferenceMessage() throws Exception {
    assumeTrue(Fixtures.available(), "shared fixtures missing");

    Cli.Result r =
        Cli.run("thin_delta", "--snap1", "1", "--snap2", "99", Fixtures.image("tmeta").toString());

    assertEquals(64, r.status(), r::toString);
    assertEquals("Unable to find mapping tree for snap2 (99)\n", r.stderr());
    assertEquals("", r.stdout());
  }

  @Test
  void damagedTree_failsBeforeAnyOutput() throws Exception {
    assumeTrue(Fixtures.available(), "shared fixtures missing");

    Cli.Result r =
        Cli.run(
            "thin_delta",
            "-m",
            "--snap1",
            "1",
            "--snap2",
            "1",
            Fixtures.image("tmeta_device_id_reuse_with_corrupted_thins").toString());

    assertEquals(64, r.status(), r::toString);
    assertEquals("checksum error at block 1\n", r.stderr());
    assertEquals("", r.stdout());
  }

  @Test
  void wrongSnapshotBlock_isRefused() throws Exception {
    assumeTrue(Fixtures.available(), "shared fixtures missing");

    Cli.Result r =
        Cli.run(
            "thin_delta",
            "-m7",
            "--snap1",
            "1",
            "--snap2",
            "2",
            Fixtures.image("tmeta_with_metadata_snap").toString());

    assertEquals(64, r.status(), r::toString);
    assertEquals("metadata snapshot does not match that in superblock\n", r.stderr());
  }
}
