package org.thinmeta.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.thinmeta.pdata.btree.Node;

/**
 * thin_dump --repair (what thin_repair writes) on the kernel fixtures and on damage built into
 * copies of them: each test states exactly which mappings must be kept.
 */
class RepairSalvageTest {
  @TempDir Path tmp;

  @BeforeEach
  void fixtures() {
    assumeTrue(Fixtures.available(), "shared fixtures missing");
  }

  /** Thin blocks {@code lo..hi} of device {@code dev} that damage made unrecoverable. */
  record Lost(long dev, long lo, long hi) {}

  static DumpModel dump(Path image) {
    Cli.Result r = Cli.run("thin_dump", image.toString());
    assertEquals(0, r.status(), r::toString);
    return DumpModel.parse(r.stdout());
  }

  /**
   * Runs {@code thin_dump --repair}, and {@code thin_repair} with the same options: the metadata it
   * writes must dump exactly as {@code --repair} printed and pass our and (if installed) the 0.9.0
   * {@code thin_check}; both report the same; when one fails, so does the other, with the same
   * message, and the output is left without a valid superblock.
   */
  static Cli.Result repairDump(Path image, String... extra) {
    List<String> args = new ArrayList<>(List.of("thin_dump", "--repair"));
    args.addAll(List.of(extra));
    args.add(image.toString());
    Cli.Result r = Cli.run(args.toArray(new String[0]));
    try {
      assertRepairWritesTheSame(image, r, extra);
    } catch (IOException | InterruptedException e) {
      throw new AssertionError(e);
    }
    return r;
  }

  private static void assertRepairWritesTheSame(Path image, Cli.Result dumped, String... extra)
      throws IOException, InterruptedException {
    Path out = image.resolveSibling(image.getFileName() + ".repaired");
    Files.deleteIfExists(out);
    try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(out.toFile(), "rw")) {
      f.setLength(Math.max(Files.size(image), 16L << 20));
    }
    List<String> args =
        new ArrayList<>(List.of("thin_repair", "-i", image.toString(), "-o", out.toString()));
    args.addAll(List.of(extra));
    Cli.Result r = Cli.run(args.toArray(new String[0]));
    assertEquals(dumped.status(), r.status(), r::toString);
    assertEquals(dumped.stderr(), r.stderr());
    if (r.status() != 0) {
      try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(out)) {
        java.nio.ByteBuffer b =
            java.nio.ByteBuffer.allocate(4096).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        ch.read(b, 0);
        assertTrue(!org.thinmeta.thin.format.Superblock.checksumOk(b.flip()), "valid superblock");
      }
      Files.delete(out);
      return;
    }
    Cli.Result d = Cli.run("thin_dump", out.toString());
    assertEquals(0, d.status(), d::toString);
    assertEquals(dumped.stdout(), d.stdout(), "thin_dump of the thin_repair output");
    Cli.Result c = Cli.run("thin_check", out.toString());
    assertEquals(0, c.status(), c::toString);
    if (Reference.available()) {
      Cli.Result rc = Reference.run("thin_check", out.toString());
      assertEquals(0, rc.status(), rc::toString);
    }
    Files.delete(out);
  }

  static DumpModel repaired(Cli.Result r) {
    assertEquals(0, r.status(), r::toString);
    return DumpModel.parse(r.stdout());
  }

  /**
   * Asserts that {@code repaired} holds exactly the devices of {@code original} and, per device,
   * exactly its mappings minus those in {@code lost}.
   */
  static void assertKept(DumpModel original, DumpModel repaired, Lost... lost) {
    assertEquals(original.devices().keySet(), repaired.devices().keySet(), "devices");
    for (Map.Entry<Long, DumpModel.Device> e : original.devices().entrySet()) {
      long id = e.getKey();
      SortedMap<Long, DumpModel.Mapping> expected = new TreeMap<>(e.getValue().mappings());
      for (Lost l : lost) {
        if (l.dev() == id) {
          expected.keySet().removeIf(k -> k >= l.lo() && k <= l.hi());
        }
      }
      DumpModel.Device got = repaired.devices().get(id);
      assertEquals(expected.size(), got.mappings().size(), "mapping count of device " + id);
      assertEquals(expected, got.mappings(), "mappings of device " + id);
      assertEquals(expected.size(), got.attr("mapped_blocks"), "mapped_blocks of device " + id);
    }
    assertEquals(List.of(), repaired.violationsAgainst(original));
  }

  /** Asserts that the device attributes other than mapped_blocks are the original ones. */
  static void assertSameDetails(DumpModel original, DumpModel repaired, long... except) {
    Set<Long> skip = new HashSet<>();
    for (long x : except) {
      skip.add(x);
    }
    for (Map.Entry<Long, DumpModel.Device> e : original.devices().entrySet()) {
      if (!skip.contains(e.getKey())) {
        assertEquals(
            e.getValue().attrs(),
            repaired.devices().get(e.getKey()).attrs(),
            "details of device " + e.getKey());
      }
    }
  }

  // ------------------------------------------------------------------ sound and kernel fixtures

  static List<String> sound() {
    List<String> l = new ArrayList<>(Fixtures.VALID);
    l.addAll(Fixtures.DAMAGED_SNAPSHOT);
    return l;
  }

  @ParameterizedTest
  @MethodSource("sound")
  void soundLiveMetadata_repairsToTheIdenticalDump(String name) throws Exception {
    Cli.Result r = repairDump(Fixtures.image(name));
    assertEquals(0, r.status(), r::toString);
    assertArrayEquals(Fixtures.stored(name + ".dump.xml"), r.stdoutBytes(), r::toString);
    if (Fixtures.VALID.contains(name)) {
      assertEquals("", r.stderr());
    }
  }

  @Test
  void tmetaWithCorruptedMetadataSnap_keepsLiveDevice_andSaysTheSnapshotIsUnusable() {
    Cli.Result r = repairDump(Fixtures.image("tmeta_with_corrupted_metadata_snap"));
    DumpModel m = repaired(r);
    assertEquals(Set.of(1L), m.devices().keySet());
    assertEquals(0, m.devices().get(1L).mappings().size());
    assertTrue(
        r.stderr().contains("metadata snapshot at block 7 is unreadable (zeroed); not used"),
        r::toString);
  }

  @Test
  void corruptedTmetaWithMetadataSnap_recoversTheSnapshotDevice_andTheOrphanedDetails() {
    Cli.Result r = repairDump(Fixtures.image("corrupted_tmeta_with_metadata_snap"));
    assertEquals(0, r.status(), r::toString);
    assertEquals(
        "<superblock uuid=\"\" time=\"0\" transaction=\"3\" flags=\"0\" version=\"2\""
            + " data_block_size=\"128\" nr_data_blocks=\"65536\">\n"
            + "  <device dev_id=\"1\" mapped_blocks=\"0\" transaction=\"0\" creation_time=\"0\""
            + " snap_time=\"0\">\n"
            + "  </device>\n"
            + "  <device dev_id=\"2\" mapped_blocks=\"0\" transaction=\"1\" creation_time=\"0\""
            + " snap_time=\"0\">\n"
            + "  </device>\n"
            + "</superblock>\n",
        r.stdout());
    assertTrue(
        r.stderr()
            .contains(
                "device 1: 0 mappings kept; mapping tree: metadata snapshot;"
                    + " details: metadata snapshot"),
        r::toString);
    assertTrue(
        r.stderr().contains("hole at thin blocks 0..end (zeroed at block 3 )".replace(" )", ")")),
        r::toString);
  }

  @Test
  void deviceIdReuseWithCorruptedThins_keepsTheLiveDevice_notTheSnapshotOne() {
    DumpModel m =
        repaired(repairDump(Fixtures.image("tmeta_device_id_reuse_with_corrupted_thins")));
    assertEquals(Set.of(1L), m.devices().keySet());
    assertEquals(2, m.devices().get(1L).attr("transaction"));
    assertEquals(0, m.devices().get(1L).mappings().size());
  }

  // ------------------------------------------------------------------ damage classes

  @Test
  void missingDetailsEntry_deviceKeptWithRebuiltDetails_andEveryOtherDeviceUntouched()
      throws Exception {
    Path img = Fixtures.copyOf("tmeta", tmp);
    DumpModel original = dump(img);
    try (Surgery s = Surgery.open(img)) {
      s.removeEntry(s.superblock().detailsRoot(), 3);
    }
    Cli.Result r = repairDump(img);
    DumpModel m = repaired(r);
    assertKept(original, m);
    assertSameDetails(original, m, 3);
    DumpModel.Device d3 = m.devices().get(3L);
    assertEquals(0, d3.attr("transaction"));
    assertEquals(0, d3.attr("creation_time"));
    assertEquals(15, d3.attr("snap_time"), "every mapping treated as possibly shared");
    assertEquals(original.superblock(), m.superblock());
    assertTrue(r.stderr().contains("device 3: 10"), r::toString);
    assertTrue(r.stderr().contains("details: rebuilt"), r::toString);
  }

  @Test
  void missingTopLevelEntry_subtreeFoundByItsMappingCount() throws Exception {
    Path img = Fixtures.copyOf("tmeta_with_shared_internals_and_leaves", tmp);
    DumpModel original = dump(img);
    try (Surgery s = Surgery.open(img)) {
      s.removeEntry(s.superblock().mappingRoot(), 2);
    }
    Cli.Result r = repairDump(img);
    DumpModel m = repaired(r);
    assertKept(original, m);
    assertSameDetails(original, m);
    assertTrue(
        r.stderr().contains("the only unreferenced subtree with its 65600 mappings is at block"),
        r::toString);
  }

  /**
   * tmeta's top-level leaf is destroyed; an older copy (from before device 14 was deleted) is on
   * disk: the devices come back from it, and device 14, absent from the intact details tree, not.
   */
  @Test
  void destroyedTopLevelLeaf_devicesComeBackFromItsOlderCopy() throws Exception {
    Path img = Fixtures.copyOf("tmeta", tmp);
    DumpModel original = dump(img);
    try (Surgery s = Surgery.open(img)) {
      s.zero(s.superblock().mappingRoot());
    }
    Cli.Result r = repairDump(img);
    DumpModel m = repaired(r);
    assertKept(original, m);
    assertSameDetails(original, m);
    assertTrue(
        r.stderr().contains("device 14 appears in old top-level nodes but not in the intact"),
        r::toString);
  }

  /** The same without the older copy: each device's subtree is found by its mapping count. */
  @Test
  void destroyedTopLevelLeaf_andItsOlderCopy_subtreesFoundByMappingCount() throws Exception {
    Path img = Fixtures.copyOf("tmeta", tmp);
    DumpModel original = dump(img);
    try (Surgery s = Surgery.open(img)) {
      s.zero(s.superblock().mappingRoot());
      s.zero(20);
    }
    Cli.Result r = repairDump(img);
    assertKept(original, repaired(r));
    assertTrue(
        r.stderr()
            .contains("the only unreferenced subtree with its 10713 mappings is at block 165"),
        r::toString);
  }

  @Test
  void badChildPointer_toZeroedBlock_theIntactLeafRefillsTheHole() throws Exception {
    Path img = Fixtures.copyOf("tmeta", tmp);
    DumpModel original = dump(img);
    long leaf;
    try (Surgery s = Surgery.open(img)) {
      Surgery.NodeRef ref = exclusiveLeaf(s, 1);
      leaf = ref.loc();
      s.setChild(ref.parent(), ref.index(), s.freeBlock());
    }
    Cli.Result r = repairDump(img);
    assertKept(original, repaired(r));
    assertTrue(
        r.stderr().contains("from the cut-off subtree at block " + leaf + "; fully covered"),
        r::toString);
    assertTrue(leaf > 0);
  }

  @Test
  void badChildPointer_beyondTheMetadata_theIntactLeafRefillsTheHole() throws Exception {
    Path img = Fixtures.copyOf("tmeta_with_shared_internals_and_leaves", tmp);
    DumpModel original = dump(img);
    try (Surgery s = Surgery.open(img)) {
      Surgery.NodeRef ref = exclusiveLeaf(s, 2);
      s.setChild(ref.parent(), ref.index(), 1L << 40);
    }
    Cli.Result r = repairDump(img);
    assertKept(original, repaired(r));
    assertTrue(r.stderr().contains("is beyond the metadata"), r::toString);
  }

  @Test
  void badChildPointer_toAnotherDevicesLeaf_keysOutOfRangeMakeAHole_refilledFromTheRightLeaf()
      throws Exception {
    Path img = Fixtures.copyOf("tmeta", tmp);
    DumpModel original = dump(img);
    try (Surgery s = Surgery.open(img)) {
      Surgery.NodeRef ref = exclusiveLeaf(s, 1);
      List<Surgery.NodeRef> other = s.leaves(s.deviceRoots().get(2L));
      Surgery.NodeRef wrong =
          other.get(0).firstKey() != ref.firstKey() ? other.get(0) : other.get(1);
      s.setChild(ref.parent(), ref.index(), wrong.loc());
    }
    Cli.Result r = repairDump(img);
    assertKept(original, repaired(r));
    assertTrue(r.stderr().contains("keys outside the range given by the parent"), r::toString);
  }

  @ParameterizedTest
  @MethodSource("sharedChildCases")
  void badChildPointer_toANodeASnapshotShares_theCutOffNodeIsGivenBack(
      String fixture, long dev, boolean leaf) throws Exception {
    Path img = Fixtures.copyOf(fixture, tmp);
    DumpModel original = dump(img);
    try (Surgery s = Surgery.open(img)) {
      Surgery.NodeRef ref = sharedChildOfExclusiveParent(s, dev, leaf);
      s.setChild(ref.parent(), ref.index(), s.freeBlock());
    }
    Cli.Result r = repairDump(img);
    assertKept(original, repaired(r));
    assertTrue(r.stderr().contains("from the cut-off subtree at block"), r::toString);
    assertTrue(r.stderr().contains("; fully covered"), r::toString);
  }

  static List<org.junit.jupiter.params.provider.Arguments> sharedChildCases() {
    return List.of(
        org.junit.jupiter.params.provider.Arguments.of("tmeta", 1L, true),
        org.junit.jupiter.params.provider.Arguments.of("tmeta", 16L, true),
        org.junit.jupiter.params.provider.Arguments.of(
            "tmeta_with_shared_internals_and_leaves", 1L, false));
  }

  /**
   * The root of tmeta's origin (an internal node over 61 leaves, 52 of them shared with snapshots)
   * is destroyed: every leaf is given back, the shared ones and the origin's own ones alike, since
   * the metadata space map still counts a reference to each that no surviving node makes.
   */
  @Test
  void destroyedRootOfASnapshottedDevice_everyCutOffLeafIsGivenBack() throws Exception {
    Path img = Fixtures.copyOf("tmeta", tmp);
    DumpModel original = dump(img);
    try (Surgery s = Surgery.open(img)) {
      s.scribble(s.deviceRoots().get(1L));
    }
    Cli.Result r = repairDump(img);
    assertKept(original, repaired(r));
    assertTrue(r.stderr().contains("from 61 cut-off subtrees"), r::toString);
  }

  /**
   * As above, but the metadata space map's index is destroyed as well, so nothing tells cut-off
   * leaves from stale ones: orphaned leaves refill the hole, and since the origin no longer shares
   * a node with its snapshots, only mappings of blocks no other device maps come back.
   */
  @Test
  void destroyedRoot_andMetadataSpaceMap_onlyTheDevicesOwnBlocksComeBack() throws Exception {
    Path img = Fixtures.copyOf("tmeta", tmp);
    DumpModel original = dump(img);
    try (Surgery s = Surgery.open(img)) {
      s.scribble(s.deviceRoots().get(1L));
      s.zero(s.superblock().metadataSmRoot().bitmapRoot());
    }
    Cli.Result r = repairDump(img);
    DumpModel m = repaired(r);
    Set<Long> othersData = new HashSet<>();
    original
        .devices()
        .forEach(
            (id, d) -> {
              if (id != 1L) {
                d.mappings().values().forEach(x -> othersData.add(x.data()));
              }
            });
    SortedMap<Long, DumpModel.Mapping> own = new TreeMap<>(original.devices().get(1L).mappings());
    own.values().removeIf(x -> othersData.contains(x.data()));
    assertEquals(own, m.devices().get(1L).mappings());
    assertTrue(own.size() > 0 && own.size() < 1000, "own blocks " + own.size());
    m.devices().remove(1L);
    original.devices().remove(1L);
    assertKept(original, m);
    assertTrue(r.stderr().contains("metadata space map unreadable"), r::toString);
  }

  @Test
  void destroyedInternalNode_itsSharedAndOwnChildrenAreGivenBack() throws Exception {
    Path img = Fixtures.copyOf("tmeta_with_shared_internals_and_leaves", tmp);
    DumpModel original = dump(img);
    try (Surgery s = Surgery.open(img)) {
      Surgery.NodeRef ref = sharedChildOfExclusiveParent(s, 1, true);
      s.zero(ref.parent());
    }
    Cli.Result r = repairDump(img);
    assertKept(original, repaired(r));
  }

  @Test
  void destroyedLeaf_withoutAnyCopy_losesExactlyItsKeys() throws Exception {
    Path img = Fixtures.copyOf("tmeta_with_shared_internals_and_leaves", tmp);
    DumpModel original = dump(img);
    Surgery.NodeRef ref;
    try (Surgery s = Surgery.open(img)) {
      ref = exclusiveLeaf(s, 1);
      s.scribble(ref.loc());
    }
    Cli.Result r = repairDump(img);
    DumpModel m = repaired(r);
    assertKept(original, m, new Lost(1, ref.firstKey(), ref.lastKey()));
    assertTrue(r.stderr().contains("checksum error at block " + ref.loc()), r::toString);
    assertTrue(
        r.stderr()
            .contains("not recovered (lost if anything was mapped there): device 1: thin blocks"),
        r::toString);
  }

  @Test
  void destroyedLeaf_withAStaleCopyOnDisk_isRecoveredCompletely() throws Exception {
    Path img = Fixtures.copyOf("tmeta_with_shared_internals_and_leaves", tmp);
    DumpModel original = dump(img);
    try (Surgery s = Surgery.open(img)) {
      Surgery.NodeRef ref = exclusiveLeaf(s, 1);
      s.copyNode(ref.loc());
      s.zero(ref.loc());
    }
    Cli.Result r = repairDump(img);
    assertKept(original, repaired(r));
    assertTrue(r.stderr().contains("refilled from orphaned leaves"), r::toString);
  }

  @Test
  void destroyedSharedLeaf_withAStaleCopy_isRecoveredForEveryDeviceThatShared() throws Exception {
    Path img = Fixtures.copyOf("tmeta_with_shared_internals_and_leaves", tmp);
    DumpModel original = dump(img);
    try (Surgery s = Surgery.open(img)) {
      Surgery.NodeRef ref = sharedLeaf(s, 1, 2);
      s.copyNode(ref.loc());
      s.zero(ref.loc());
    }
    assertKept(original, repaired(repairDump(img)));
  }

  @Test
  void destroyedLeaf_staleCopyWhoseBlockAnotherDeviceNowHolds_thatMappingIsDropped()
      throws Exception {
    Path img = Fixtures.copyOf("tmeta_with_shared_internals_and_leaves", tmp);
    DumpModel original = dump(img);
    Surgery.NodeRef ref;
    long stolenKey;
    try (Surgery s = Surgery.open(img)) {
      ref = exclusiveLeaf(s, 1);
      long copy = s.copyNode(ref.loc());
      Node n = s.node(copy);
      stolenKey = n.key(0);
      // A block device 2 alone maps, at another thin block: the last of its exclusive leaf.
      Node mine = s.node(exclusiveLeaf(s, 2).loc());
      s.setValue(copy, 0, mine.valueU64(mine.nrEntries() - 1));
      s.zero(ref.loc());
    }
    Cli.Result r = repairDump(img);
    DumpModel m = repaired(r);
    assertKept(original, m, new Lost(1, stolenKey, stolenKey));
    assertTrue(
        r.stderr().contains("dropped 1 whose data block another kept mapping holds"), r::toString);
  }

  @Test
  void leafWithKeysOutOfOrder_isSortedAndKept() throws Exception {
    Path img = Fixtures.copyOf("tmeta_with_shared_internal_root", tmp);
    DumpModel original = dump(img);
    try (Surgery s = Surgery.open(img)) {
      Surgery.NodeRef ref = s.leaves(s.deviceRoots().get(1L)).get(2);
      s.swapEntries(ref.loc(), 3, 40);
    }
    Cli.Result r = repairDump(img);
    assertKept(original, repaired(r));
    assertTrue(r.stderr().contains("1 leaves had their keys out of order; sorted"), r::toString);
  }

  @Test
  void needsCheckFlag_isClearedInTheOutput() throws Exception {
    Path img = Fixtures.copyOf("tmeta_with_shared_internal_root", tmp);
    DumpModel original = dump(img);
    try (Surgery s = Surgery.open(img)) {
      s.setSuperblockFlags(1);
    }
    assertEquals("1", dump(img).superblock().get("flags"));
    Cli.Result r = repairDump(img);
    DumpModel m = repaired(r);
    assertEquals("0", m.superblock().get("flags"));
    assertEquals(original.superblock(), m.superblock());
    assertKept(original, m);
    assertSameDetails(original, m);
    assertTrue(r.stderr().contains("NEEDS_CHECK flag was set; cleared"), r::toString);
  }

  @Test
  void destroyedSuperblock_asksOnlyForTheDataBlockSize() throws Exception {
    Path img = Fixtures.copyOf("tmeta_with_shared_internals_and_leaves", tmp);
    DumpModel original = dump(img);
    try (Surgery s = Surgery.open(img)) {
      s.scribble(0);
    }
    Cli.Result r = repairDump(img);
    assertEquals(64, r.status(), r::toString);
    assertEquals(
        "data block size needs to be provided due to corruption in the superblock\n",
        r.stderr().substring(r.stderr().indexOf("data block size")));
    DumpModel m = repaired(repairDump(img, "--data-block-size", "128"));
    assertKept(original, m);
    assertSameDetails(original, m);
    assertRebuiltSuperblock(original, m);
  }

  /**
   * tmeta's last transaction deleted device 14: without the superblock, the two top-level roots on
   * disk (with and without it) are equally new, so repair keeps the superset and says so.
   */
  @Test
  void destroyedSuperblock_lastTransactionDeletedADevice_keepsTheSupersetAndSaysSo()
      throws Exception {
    Path img = Fixtures.copyOf("tmeta", tmp);
    DumpModel original = dump(img);
    try (Surgery s = Surgery.open(img)) {
      s.scribble(0);
    }
    Cli.Result r = repairDump(img, "--data-block-size", "128");
    DumpModel m = repaired(r);
    DumpModel.Device d14 = m.devices().remove(14L);
    assertTrue(d14 != null, r::toString);
    assertKept(original, m);
    assertSameDetails(original, m);
    assertRebuiltSuperblock(original, m);
    assertTrue(
        r.stderr()
            .contains("top-level tree at block 5 is as new by mapping time but lacks devices [14]"),
        r::toString);
  }

  /** Time = newest seen + 1, transaction = newest device's + 1, nr_data_blocks an underestimate. */
  static void assertRebuiltSuperblock(DumpModel original, DumpModel m) {
    assertEquals("128", m.superblock().get("data_block_size"));
    long maxTid = 0;
    long maxData = 0;
    long maxTime = 0;
    for (DumpModel.Device d : original.devices().values()) {
      maxTid = Math.max(maxTid, d.attr("transaction"));
      maxTime = Math.max(maxTime, Math.max(d.attr("creation_time"), d.attr("snap_time")));
      for (DumpModel.Mapping x : d.mappings().values()) {
        maxData = Math.max(maxData, x.data());
        maxTime = Math.max(maxTime, x.time());
      }
    }
    assertEquals(String.valueOf(maxTime + 1), m.superblock().get("time"));
    assertEquals(String.valueOf(maxTid + 1), m.superblock().get("transaction"));
    long nr = Long.parseLong(m.superblock().get("nr_data_blocks"));
    long orig = Long.parseLong(original.superblock().get("nr_data_blocks"));
    assertTrue(nr > maxData && nr <= orig, "nr_data_blocks " + nr);
  }

  @Test
  void destroyedSuperblock_overridesApplyAsMaxima() throws Exception {
    Path img = Fixtures.copyOf("tmeta_with_shared_internal_root", tmp);
    DumpModel original = dump(img);
    try (Surgery s = Surgery.open(img)) {
      s.zero(0);
    }
    DumpModel m =
        repaired(
            repairDump(
                img,
                "--data-block-size=128",
                "--transaction-id",
                "40",
                "--nr-data-blocks",
                "16384"));
    assertKept(original, m);
    assertEquals("40", m.superblock().get("transaction"));
    assertEquals("16384", m.superblock().get("nr_data_blocks"));
  }

  @Test
  void destroyedSuperblock_withMetadataSnapshot_needsNoOption() throws Exception {
    Path img = Fixtures.copyOf("tmeta_with_metadata_snap", tmp);
    DumpModel original = dump(img);
    try (Surgery s = Surgery.open(img)) {
      s.zero(0);
    }
    Cli.Result r = repairDump(img);
    DumpModel m = repaired(r);
    assertKept(original, m);
    assertSameDetails(original, m);
    assertEquals("128", m.superblock().get("data_block_size"));
    assertTrue(r.stderr().contains("metadata snapshot superblock found at block 6"), r::toString);
  }

  @Test
  void allZeroInput_isAnError_notAnEmptyPool() throws Exception {
    Path img = tmp.resolve("zero.bin");
    Files.write(img, new byte[4 << 20]);
    Cli.Result r = repairDump(img, "--data-block-size", "128");
    assertEquals(64, r.status(), r::toString);
    assertEquals("no compatible roots found\n", r.stderr());
    assertEquals("", r.stdout());
  }

  @Test
  void randomInput_isAnError_notAnEmptyPool() throws Exception {
    Path img = tmp.resolve("random.bin");
    byte[] b = new byte[4 << 20];
    new Random(42).nextBytes(b);
    Files.write(img, b);
    Cli.Result r = repairDump(img, "--data-block-size", "128");
    assertEquals(64, r.status(), r::toString);
    assertEquals("no compatible roots found\n", r.stderr());
  }

  /** The write path's LIFO image (the 2014 too-low-count bug): every mapping is kept. */
  @Test
  void lifoImage_tooLowCounts_everyMappingKept() {
    Path img = tmp.resolve("lifo.bin");
    Cli.Result g =
        Cli.run(
            "thin_generate_metadata",
            "--format",
            "--metadata-blocks",
            "4096",
            "-o",
            img.toString(),
            "--scenario",
            "refcount-rebalance",
            "--op-order",
            "lifo");
    assertEquals(0, g.status(), g::toString);
    assertTrue(g.stdout().contains("mappings 904"), g::toString);
    Cli.Result plain = Cli.run("thin_dump", img.toString());
    Cli.Result r = repairDump(img);
    assertEquals(0, r.status(), r::toString);
    assertEquals(plain.stdout(), r.stdout());
    assertEquals(904, DumpModel.parse(r.stdout()).totalMappings());
  }

  @Test
  void repairDump_honoursDevIdSkipMappingsAndFormat() {
    String img = Fixtures.image("tmeta_with_shared_internal_root").toString();
    Cli.Result r = Cli.run("thin_dump", "--repair", "--dev-id", "2", "--skip-mappings", img);
    assertEquals(0, r.status(), r::toString);
    assertEquals(
        "<superblock uuid=\"\" time=\"1\" transaction=\"2\" flags=\"0\" version=\"2\""
            + " data_block_size=\"128\" nr_data_blocks=\"16384\">\n"
            + "  <device dev_id=\"2\" mapped_blocks=\"1600\" transaction=\"1\""
            + " creation_time=\"1\" snap_time=\"1\">\n"
            + "  </device>\n"
            + "</superblock>\n",
        r.stdout());
    Cli.Result plain = Cli.run("thin_dump", "-f", "human_readable", img);
    Cli.Result repaired = Cli.run("thin_dump", "-r", "-f", "human_readable", img);
    assertEquals(0, repaired.status(), repaired::toString);
    assertEquals(plain.stdout(), repaired.stdout());
  }

  @Test
  void repairWithMetadataSnap_isAUsageError() {
    Cli.Result r =
        Cli.run(
            "thin_dump", "--repair", "-m", Fixtures.image("tmeta_with_metadata_snap").toString());
    assertEquals(2, r.status(), r::toString);
    assertEquals("the argument '--repair' cannot be used with '--metadata-snap'\n", r.stderr());
  }

  // ------------------------------------------------------------------ helpers

  /** A leaf of {@code dev}'s mapping tree that no other device's tree reaches. */
  static Surgery.NodeRef exclusiveLeaf(Surgery s, long dev) throws IOException {
    Map<Long, Integer> users = leafUsers(s);
    for (Surgery.NodeRef r : s.leaves(s.deviceRoots().get(dev))) {
      if (users.get(r.loc()) == 1) {
        return r;
      }
    }
    throw new IllegalStateException("device " + dev + " has no exclusive leaf");
  }

  /**
   * A node (leaf or internal) that another device's tree also reaches, whose parent only {@code
   * dev}'s tree reaches.
   */
  static Surgery.NodeRef sharedChildOfExclusiveParent(Surgery s, long dev, boolean leaf)
      throws IOException {
    Map<Long, Integer> users = new TreeMap<>();
    for (long root : s.deviceRoots().values()) {
      for (Surgery.NodeRef r : s.nodes(root)) {
        users.merge(r.loc(), 1, Integer::sum);
      }
    }
    for (Surgery.NodeRef r : s.nodes(s.deviceRoots().get(dev))) {
      if (r.parent() >= 0
          && r.leaf() == leaf
          && users.get(r.loc()) > 1
          && users.get(r.parent()) == 1) {
        return r;
      }
    }
    throw new IllegalStateException("no shared child under an exclusive parent in device " + dev);
  }

  /** A leaf reached by both devices' trees. */
  static Surgery.NodeRef sharedLeaf(Surgery s, long a, long b) throws IOException {
    Set<Long> other = new HashSet<>();
    for (Surgery.NodeRef r : s.leaves(s.deviceRoots().get(b))) {
      other.add(r.loc());
    }
    for (Surgery.NodeRef r : s.leaves(s.deviceRoots().get(a))) {
      if (other.contains(r.loc())) {
        return r;
      }
    }
    throw new IllegalStateException("no shared leaf");
  }

  private static Map<Long, Integer> leafUsers(Surgery s) throws IOException {
    Map<Long, Integer> users = new TreeMap<>();
    for (long root : s.deviceRoots().values()) {
      for (Surgery.NodeRef r : s.leaves(root)) {
        users.merge(r.loc(), 1, Integer::sum);
      }
    }
    return users;
  }

  static String text(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }
}
