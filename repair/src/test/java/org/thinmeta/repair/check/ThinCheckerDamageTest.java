package org.thinmeta.repair.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.thinmeta.pdata.checksum.BlockKind;
import org.thinmeta.pdata.damage.Severity;
import org.thinmeta.pdata.io.BlockDevice;
import org.thinmeta.pdata.spacemap.SpaceMapReader;
import org.thinmeta.thin.format.BlockTime;
import org.thinmeta.thin.format.Superblock;

/**
 * One damage per class, injected into a pool built in code (checksums recomputed so that only the
 * intended damage is present), asserting the verdict, its severity and the message.
 */
class ThinCheckerDamageTest {
  private static final int DETAILS_VALUES = 32 + 8 * 126;
  private static final int MAPPING_VALUES = 32 + 8 * 252;

  /** What one check said. */
  record Run(CheckReport report, Recorder out) {
    String text() {
      return out.text();
    }

    void assertFatal(Problem.Kind kind, String... lines) {
      assertEquals(CheckReport.Outcome.FATAL, report.outcome(), this::toString);
      assertFalse(report.passed(true), this::toString);
      assertTrue(report.count(kind) > 0, () -> "no " + kind + " in " + this);
      assertTrue(
          report.problems().stream()
              .anyMatch(p -> p.kind() == kind && p.severity() == Severity.FATAL),
          this::toString);
      assertLines(lines);
    }

    void assertNonFatal(Problem.Kind kind, String... lines) {
      assertEquals(CheckReport.Outcome.NON_FATAL, report.outcome(), this::toString);
      assertFalse(report.passed(false), this::toString);
      assertTrue(report.passed(true), this::toString);
      assertTrue(
          report.problems().stream()
              .anyMatch(p -> p.kind() == kind && p.severity() == Severity.NON_FATAL),
          this::toString);
      assertLines(lines);
    }

    void assertLines(String... lines) {
      for (String l : lines) {
        assertTrue(out.lines.contains(l), () -> "missing line '" + l + "' in\n" + this);
      }
    }

    @Override
    public String toString() {
      return report + "\n" + String.join("\n", out.lines);
    }
  }

  static Run check(BlockDevice dev) throws IOException {
    return check(dev, CheckOptions.DEFAULT);
  }

  static Run check(BlockDevice dev, CheckOptions o) throws IOException {
    Recorder r = new Recorder();
    return new Run(new ThinChecker(dev, r).check(o), r);
  }

  static CheckOptions ignoringNonFatal() {
    return CheckOptions.builder().ignoreNonFatal(true).build();
  }

  // ---- superblock

  @Test
  void superblockChecksum() throws IOException {
    Pools.Pool p = Pools.standard();
    new DamageInjector(p.dev()).breakChecksum(0);

    Run r = check(p.dev());

    r.assertFatal(Problem.Kind.SUPERBLOCK_CHECKSUM, "bad checksum in superblock");
    assertEquals("bad checksum in superblock", r.report().abortMessage());
    assertEquals(List.of(), r.out().stdout);
  }

  @Test
  void superblockMagic() throws IOException {
    Pools.Pool p = Pools.standard();
    new DamageInjector(p.dev()).editSuperblock(b -> b.putLong(32, 12345));

    Run r = check(p.dev());

    r.assertFatal(
        Problem.Kind.SUPERBLOCK_MAGIC, "bad magic number in superblock: 12345, expected 27022010");
  }

  @Test
  void superblockBlockNr() throws IOException {
    Pools.Pool p = Pools.standard();
    new DamageInjector(p.dev()).editSuperblock(b -> b.putLong(8, 7));

    Run r = check(p.dev());

    r.assertFatal(Problem.Kind.SUPERBLOCK_BLOCKNR, "superblock at block 0 claims to be block 7");
  }

  @Test
  void superblockIncompatFlags() throws IOException {
    Pools.Pool p = Pools.standard();
    new DamageInjector(p.dev()).editSuperblock(b -> b.putInt(360, 4));

    Run r = check(p.dev());

    r.assertFatal(
        Problem.Kind.SUPERBLOCK_FEATURES,
        "superblock has unknown incompat_flags 0x4: the kernel refuses such metadata");
  }

  @Test
  void truncatedDevice() throws IOException {
    Pools.Pool p = Pools.standard();

    Run r = check(DamageInjector.truncated(p.dev(), 512));

    r.assertFatal(
        Problem.Kind.DEVICE_TOO_SMALL,
        "metadata device/file too small: it holds 512 blocks, but the superblock claims 1024");
  }

  @Test
  void truncatedDevice_passesSuperBlockOnly() throws IOException {
    Pools.Pool p = Pools.standard();

    Run r =
        check(
            DamageInjector.truncated(p.dev(), 1),
            CheckOptions.builder().superBlockOnly(true).build());

    assertEquals(CheckReport.Outcome.CLEAN, r.report().outcome(), r::toString);
    long free = 1024 - p.sb().metadataSmRoot().nrAllocated();
    assertEquals(List.of("TRANSACTION_ID=5", "METADATA_FREE_BLOCKS=" + free), r.out().stdout);
  }

  // ---- checksums of each block kind

  @Test
  void nodeChecksum() throws IOException {
    Pools.Pool p = Pools.standard();
    new DamageInjector(p.dev()).breakChecksum(p.leaf4());

    Run r = check(p.dev());

    r.assertFatal(
        Problem.Kind.MAPPING_TREE,
        "data mapping tree: checksum error at block " + p.leaf4() + " (device 4)",
        "1 nodes in data mapping tree contain errors",
        "0 io errors, 1 checksum errors",
        "Thin device 4 has 1 errors and is missing 100 mappings, while expected 100",
        "Check of mappings failed");
    Problem d = problem(r, Problem.Kind.DEVICE_MAPPINGS);
    assertEquals(4, d.devId());
  }

  @Test
  void bitmapChecksum() throws IOException {
    Pools.Pool p = Pools.standard();
    DamageInjector inj = new DamageInjector(p.dev());
    long bitmap = inj.dataBitmap(1);
    inj.breakChecksum(bitmap);

    Run r = check(p.dev());

    r.assertFatal(
        Problem.Kind.DATA_SPACE_MAP,
        "data space map: checksum error at block " + bitmap + ", index entry 1");
  }

  @Test
  void metadataIndexChecksum() throws IOException {
    Pools.Pool p = Pools.standard();
    long index = p.sb().metadataSmRoot().bitmapRoot();
    new DamageInjector(p.dev()).breakChecksum(index);

    Run r = check(p.dev());

    r.assertFatal(
        Problem.Kind.METADATA_SPACE_MAP,
        "metadata space map: bad checksum in index block (block " + index + ")");
  }

  @Test
  void dataIndexTreeChecksum() throws IOException {
    Pools.Pool p = Pools.standard();
    long root = p.sb().dataSmRoot().bitmapRoot();
    new DamageInjector(p.dev()).breakChecksum(root);

    Run r = check(p.dev());

    r.assertFatal(
        Problem.Kind.DATA_SPACE_MAP, "data space map: index tree: checksum error at block " + root);
    assertEquals(
        "data space map: index tree: checksum error at block " + root, r.report().abortMessage());
  }

  @Test
  void nodeOfAnotherKind() throws IOException {
    Pools.Pool p = Pools.standard();
    new DamageInjector(p.dev()).edit(p.leaf4(), BlockKind.BITMAP, b -> {});

    Run r = check(p.dev());

    r.assertFatal(
        Problem.Kind.MAPPING_TREE,
        "data mapping tree: not a btree node (found BITMAP) at block " + p.leaf4() + " (device 4)");
  }

  // ---- node rules

  @Test
  void nodeBlockNrMismatch() throws IOException {
    Pools.Pool p = Pools.standard();
    new DamageInjector(p.dev()).editNode(p.leaf4(), b -> b.putLong(8, 3));

    Run r = check(p.dev());

    r.assertFatal(
        Problem.Kind.MAPPING_TREE,
        "data mapping tree: blocknr mismatch (claims 3) at block " + p.leaf4() + " (device 4)");
  }

  @Test
  void nodeBadFlags() throws IOException {
    Pools.Pool p = Pools.standard();
    new DamageInjector(p.dev()).editNode(p.leaf4(), b -> b.putInt(4, 3));

    Run r = check(p.dev());

    r.assertFatal(
        Problem.Kind.MAPPING_TREE,
        "data mapping tree: unknown node type (flags 3) at block " + p.leaf4() + " (device 4)");
  }

  @Test
  void nodeValueSizeMismatch() throws IOException {
    Pools.Pool p = Pools.standard();
    new DamageInjector(p.dev()).editNode(p.leaf4(), b -> b.putInt(24, 16));

    Run r = check(p.dev());

    r.assertFatal(
        Problem.Kind.MAPPING_TREE,
        "data mapping tree: value_size mismatch (expected 8, got 16) at block "
            + p.leaf4()
            + " (device 4)");
  }

  @Test
  void nodeMaxEntriesTooLarge() throws IOException {
    Pools.Pool p = Pools.standard();
    new DamageInjector(p.dev()).editNode(p.leaf4(), b -> b.putInt(20, 300));

    Run r = check(p.dev());

    r.assertFatal(
        Problem.Kind.MAPPING_TREE,
        "data mapping tree: max_entries is too large (max_entries 300) at block "
            + p.leaf4()
            + " (device 4)");
  }

  @Test
  void nodeNrEntriesTooLarge() throws IOException {
    Pools.Pool p = Pools.standard();
    new DamageInjector(p.dev()).editNode(p.leaf4(), b -> b.putInt(16, 253));

    Run r = check(p.dev());

    r.assertFatal(
        Problem.Kind.MAPPING_TREE,
        "data mapping tree: nr_entries > max_entries (253 > 252) at block "
            + p.leaf4()
            + " (device 4)");
  }

  @Test
  void nodeKeysOutOfOrder() throws IOException {
    Pools.Pool p = Pools.standard();
    new DamageInjector(p.dev())
        .editNode(
            p.leaf4(),
            b -> {
              long k = b.getLong(32 + 8 * 10);
              b.putLong(32 + 8 * 10, b.getLong(32 + 8 * 11));
              b.putLong(32 + 8 * 11, k);
            });

    Run r = check(p.dev());

    r.assertFatal(
        Problem.Kind.MAPPING_TREE,
        "data mapping tree: keys out of order (5010 <= 5011) at block "
            + p.leaf4()
            + " (device 4)");
  }

  @Test
  void nodeEmptyInternal() throws IOException {
    Pools.Pool p = Pools.standard();
    new DamageInjector(p.dev()).editNode(p.right3(), b -> b.putInt(16, 0));

    Run r = check(p.dev());

    r.assertFatal(
        Problem.Kind.MAPPING_TREE,
        "data mapping tree: internal node has no entries at block "
            + p.right3()
            + ", keys ["
            + rightKey(p)
            + "..-] (device 3)",
        "Check of mappings failed");
  }

  @Test
  void nodeMaxEntriesNotDivisibleBy3_isNonFatal() throws IOException {
    Pools.Pool p = Pools.standard();
    new DamageInjector(p.dev()).setMaxEntries(p.leaf4(), 250);

    Run r = check(p.dev());
    Run ignoring = check(p.dev(), ignoringNonFatal());

    r.assertNonFatal(
        Problem.Kind.MAPPING_TREE,
        "data mapping tree: max_entries is not divisible by 3 (max_entries 250) at block "
            + p.leaf4()
            + " (device 4)");
    assertNull(r.report().abortMessage());
    assertEquals(CheckReport.Outcome.CLEAN, ignoring.report().outcome(), ignoring::toString);
  }

  @Test
  void nodeUnderfull_isNonFatal() throws IOException {
    // dev 1: a root over a leaf of 90 entries and one of 10 (fewer than 252 / 3).
    Pools.Pool small = Pools.underfull();

    Run r = check(small.dev());
    Run ignoring = check(small.dev(), ignoringNonFatal());

    r.assertNonFatal(
        Problem.Kind.MAPPING_TREE,
        "data mapping tree: nr_entries < max_entries / 3 (10 < 84) at block "
            + small.leaf4()
            + ", keys [90..-] (device 1)");
    assertEquals(CheckReport.Outcome.CLEAN, ignoring.report().outcome(), ignoring::toString);
  }

  @Test
  void nodeUnderfull_rootUsedInsideAnotherTree() throws IOException {
    // dev 2's root is a leaf of 50 entries that dev 1's tree also uses as a non-root child.
    Pools.Pool small = Pools.rootInsideAnotherTree();

    // One thread: dev 1 is walked first, so the leaf is first seen as a root.
    Run r = check(small.dev(), CheckOptions.builder().threads(1).build());

    r.assertNonFatal(
        Problem.Kind.MAPPING_TREE,
        "nr_entries < max_entries / 3 at block "
            + small.leaf4()
            + " (root of one tree, inside another)");
  }

  @Test
  void keyOutsideParentRange() throws IOException {
    Pools.Pool p = Pools.standard();
    long leaf = p.leaves1()[200];
    long first = node(p, leaf).key(0);
    long next = node(p, p.leaves1()[201]).key(0);
    new DamageInjector(p.dev()).editNode(leaf, b -> b.putLong(32, first - 100));

    Run r = check(p.dev());

    r.assertFatal(Problem.Kind.MAPPING_TREE, "Check of mappings failed");
    // The leaf is shared by dev 1's and dev 3's trees: whichever walk reaches it first names it.
    String line =
        "data mapping tree: key outside the range given by the parent (key "
            + (first - 100)
            + ") at block "
            + leaf
            + ", keys ["
            + first
            + ".."
            + next
            + "]";
    assertTrue(
        r.out().lines.contains(line + " (devices 1, 2, 8)")
            || r.out().lines.contains(line + " (device 3)"),
        r::toString);
    assertTrue(
        r.text().contains("Thin device 1 has 1 errors and is missing 252 mappings"), r::toString);
  }

  @Test
  void leavesAtDifferentDepths() throws IOException {
    Pools.Pool p = Pools.standard();
    // dev 3's root now points at a leaf where the internal node `left` was.
    new DamageInjector(p.dev()).editNode(p.root3(), b -> b.putLong(MAPPING_VALUES, p.leaves1()[0]));

    Run r = check(p.dev());

    r.assertFatal(
        Problem.Kind.MAPPING_TREE,
        "btree nodes are not all at the same depth (children of block " + p.root3() + ")",
        "Check of mappings failed");
    assertTrue(r.text().contains("Thin device 3 has 1 errors"), r::toString);
  }

  @Test
  void pointerBeyondMetadata() throws IOException {
    Pools.Pool p = Pools.standard();
    new DamageInjector(p.dev()).editNode(p.root3(), b -> b.putLong(MAPPING_VALUES + 8, 5000));

    Run r = check(p.dev());

    r.assertFatal(
        Problem.Kind.MAPPING_TREE,
        "data mapping tree: block out of space map boundary (metadata has 1024 blocks) at block"
            + " 5000, keys ["
            + rightKey(p)
            + "..-] (device 3)");
  }

  @Test
  void pointerLoop() throws IOException {
    Pools.Pool p = Pools.standard();
    // the last child of right3 points back at dev 3's root
    new DamageInjector(p.dev())
        .editNode(p.right3(), b -> b.putLong(MAPPING_VALUES + 8 * 138, p.root3()));

    Run r = check(p.dev());

    r.assertFatal(Problem.Kind.MAPPING_TREE, "Check of mappings failed");
    assertTrue(r.text().contains("Thin device 3 has"), r::toString);
  }

  // ---- thin-level consistency

  @Test
  void detailsAndMappingIdsDiffer() throws IOException {
    Pools.Pool p = Pools.standard();
    new DamageInjector(p.dev()).editNode(p.sb().detailsRoot(), b -> b.putLong(32 + 8 * 7, 9));

    Run r = check(p.dev());

    r.assertFatal(
        Problem.Kind.DEVICE_IDS,
        "device 9 is in the device details tree but not in the mapping tree",
        "device 8 is in the mapping tree but not in the device details tree",
        "Inconsistency between the details tree and the mapping tree");
  }

  @Test
  void wrongMappedBlocks() throws IOException {
    Pools.Pool p = Pools.standard();
    new DamageInjector(p.dev())
        .editNode(p.sb().detailsRoot(), b -> b.putLong(DETAILS_VALUES + 24 * 3, 101));

    Run r = check(p.dev());

    r.assertFatal(
        Problem.Kind.DEVICE_MAPPINGS,
        "Thin device 4 has unexpected number of mappings, expected 101, actual 100",
        "Check of mappings failed");
  }

  @Test
  void wrongMappedBlocks_sharedRootCountsForEveryDevice() throws IOException {
    Pools.Pool p = Pools.standard();
    // dev 8 shares dev 1's root: its count comes from the memoised summary, so it must be exact.
    new DamageInjector(p.dev())
        .editNode(p.sb().detailsRoot(), b -> b.putLong(DETAILS_VALUES + 24 * 7, 69_999));

    Run r = check(p.dev());

    r.assertFatal(
        Problem.Kind.DEVICE_MAPPINGS,
        "Thin device 8 has unexpected number of mappings, expected 69999, actual 70000");
    assertEquals(1, r.report().count(Problem.Kind.DEVICE_MAPPINGS), r::toString);
  }

  @Test
  void dataBlockBeyondDataDevice() throws IOException {
    Pools.Pool p = Pools.standard();
    new DamageInjector(p.dev())
        .editNode(p.leaf4(), b -> b.putLong(MAPPING_VALUES, BlockTime.pack(100_005, 1)));

    Run r = check(p.dev());

    r.assertFatal(
        Problem.Kind.DATA_BLOCK_OUT_OF_RANGE,
        "thin block 5000 is mapped to data block 100005, beyond the 100000 data blocks in leaf block "
            + p.leaf4()
            + " (device 4)",
        "Thin device 4 has 1 errors and is missing 0 mappings, while expected 100",
        "Check of mappings failed");
  }

  // ---- reference counts

  @Test
  void dataLeak_isNonFatal() throws IOException {
    Pools.Pool p = Pools.standard();
    new DamageInjector(p.dev()).setCount(SpaceMapReader.Kind.DATA, 95_000, 1);

    Run r = check(p.dev());
    Run ignoring = check(p.dev(), ignoringNonFatal());

    r.assertNonFatal(
        Problem.Kind.DATA_LEAK,
        "1 data blocks have leaked",
        "data block 95000: reference count on disk is 1, expected 0",
        "data space map contains leaks",
        "perhaps you wanted to run with --auto-repair");
    assertEquals(CheckReport.Outcome.NON_FATAL, ignoring.report().outcome());
    assertTrue(ignoring.report().passed(true));
    assertNull(ignoring.report().abortMessage());
  }

  @Test
  void dataCountTooLow_isFatal() throws IOException {
    Pools.Pool p = Pools.standard();
    new DamageInjector(p.dev()).setCount(SpaceMapReader.Kind.DATA, 80_050, 0);

    Run r = check(p.dev(), ignoringNonFatal());

    r.assertFatal(
        Problem.Kind.DATA_BAD_COUNT,
        "data block 80050: reference count on disk is 0, expected 1",
        "data space map: 1 data blocks have bad reference counts");
  }

  @Test
  void metadataLeak_isNonFatal() throws IOException {
    Pools.Pool p = Pools.standard();
    new DamageInjector(p.dev()).setCount(SpaceMapReader.Kind.METADATA, 1000, 1);

    Run r = check(p.dev());

    r.assertNonFatal(
        Problem.Kind.METADATA_LEAK,
        "1 metadata blocks have leaked",
        "metadata block 1000: reference count on disk is 1, expected 0",
        "metadata space map contains leaks");
    assertTrue(check(p.dev(), ignoringNonFatal()).report().passed(true));
  }

  @Test
  void metadataCountTooLow_isFatal() throws IOException {
    Pools.Pool p = Pools.standard();
    // `left` is shared by dev 1's and dev 3's roots: count 2; the 2014 kernel bug left 1.
    new DamageInjector(p.dev()).setCount(SpaceMapReader.Kind.METADATA, p.left(), 1);

    Run r = check(p.dev(), ignoringNonFatal());

    r.assertFatal(
        Problem.Kind.METADATA_BAD_COUNT,
        "metadata block " + p.left() + ": reference count on disk is 1, expected 2",
        "metadata space map: 1 metadata blocks have bad reference counts");
  }

  @Test
  void sharedNodeCountedOnce() throws IOException {
    Pools.Pool p = Pools.standard();
    // Data block 100 is mapped by one leaf shared by devices 1, 2, 3 and 8: count 1, not 4; and
    // leaves under the shared node `left` are referenced once, by `left`.
    DamageInjector inj = new DamageInjector(p.dev());
    inj.setCount(SpaceMapReader.Kind.DATA, 100, 2);
    inj.setCount(SpaceMapReader.Kind.METADATA, p.leaves1()[0], 2);

    Run r = check(p.dev(), ignoringNonFatal());

    r.assertFatal(
        Problem.Kind.DATA_BAD_COUNT,
        "data block 100: reference count on disk is 2, expected 1",
        "metadata block " + p.leaves1()[0] + ": reference count on disk is 2, expected 1");
    assertEquals(1, r.report().count(Problem.Kind.DATA_BAD_COUNT));
    assertEquals(1, r.report().count(Problem.Kind.METADATA_BAD_COUNT));
  }

  @Test
  void nrAllocatedMismatch_isOnlyAWarning() throws IOException {
    Pools.Pool p = Pools.standard();
    long allocated = p.sb().dataSmRoot().nrAllocated();
    new DamageInjector(p.dev()).editSuperblock(b -> b.putLong(64 + 8, allocated + 1));

    Run r = check(p.dev());

    assertEquals(CheckReport.Outcome.CLEAN, r.report().outcome(), r::toString);
    assertEquals(
        List.of(
            "data space map: nr_allocated is "
                + (allocated + 1)
                + ", but "
                + allocated
                + " blocks have a non-zero count"),
        r.out().at(CheckListener.Level.WARNING));
  }

  // ---- metadata snapshot

  @Test
  void garbageMetadataSnapshot() throws IOException {
    Pools.Pool p = Pools.standard();
    new DamageInjector(p.dev()).editSuperblock(b -> b.putLong(56, p.leaf4()));

    Run r = check(p.dev());

    r.assertFatal(
        Problem.Kind.METADATA_SNAPSHOT,
        "metadata snapshot superblock at block " + p.leaf4() + " is a NODE block",
        "metadata snap: bad checksum in superblock");
  }

  @Test
  void zeroedMetadataSnapshot_failsLiveCheckAndSnapshotCheck() throws IOException {
    Pools.Pool p = Pools.withSnapshot();
    new DamageInjector(p.dev()).zero(p.snapshot());

    Run live = check(p.dev());
    Run snap = check(p.dev(), CheckOptions.builder().useMetadataSnap(true).build());

    live.assertFatal(
        Problem.Kind.METADATA_SNAPSHOT,
        "metadata snapshot superblock at block " + p.snapshot() + " has a bad checksum",
        "metadata snap: bad checksum in superblock");
    snap.assertFatal(Problem.Kind.METADATA_SNAPSHOT, "metadata snap: bad checksum in superblock");
  }

  @Test
  void snapshotOnlyDeviceDamaged() throws IOException {
    Pools.Pool p = Pools.withSnapshot();
    new DamageInjector(p.dev()).breakChecksum(p.leaf9());

    Run r = check(p.dev());

    r.assertFatal(
        Problem.Kind.MAPPING_TREE,
        "data mapping tree: checksum error at block " + p.leaf9() + " (metadata snapshot device 9)",
        "Thin device 9 has 1 errors and is missing 50 mappings, while expected 50"
            + " (metadata snapshot)",
        "Check of mappings failed");
  }

  // ---- options

  @Test
  void metadataSnapOption_checksOnlyTheSnapshotTrees() throws IOException {
    Pools.Pool p = Pools.withSnapshot();
    new DamageInjector(p.dev()).breakChecksum(p.leaf4());
    CheckOptions m = CheckOptions.builder().useMetadataSnap(true).build();

    Run snap = check(p.dev(), m);
    new DamageInjector(p.dev()).breakChecksum(p.leaf9());
    Run snapDamaged = check(p.dev(), m);

    assertEquals(CheckReport.Outcome.CLEAN, snap.report().outcome(), snap::toString);
    assertTrue(
        snap.out()
            .at(CheckListener.Level.INFO)
            .contains("number of devices to check: 2 (2 exclusive in metadata snapshot)"));
    snapDamaged.assertFatal(Problem.Kind.MAPPING_TREE, "Check of mappings failed");
  }

  @Test
  void metadataSnapOption_withoutSnapshot() throws IOException {
    Pools.Pool p = Pools.standard();

    Run r = check(p.dev(), CheckOptions.builder().useMetadataSnap(true).build());

    r.assertFatal(Problem.Kind.METADATA_SNAPSHOT, "no current metadata snap");
  }

  @Test
  void skipMappings_skipsBottomLevelButNotDetails() throws IOException {
    Pools.Pool p = Pools.standard();
    CheckOptions skip = CheckOptions.builder().skipMappings(true).build();
    new DamageInjector(p.dev()).breakChecksum(p.leaf4());

    Run bottomDamaged = check(p.dev(), skip);
    new DamageInjector(p.dev()).breakChecksum(p.sb().detailsRoot());
    Run detailsDamaged = check(p.dev(), skip);

    assertEquals(CheckReport.Outcome.CLEAN, bottomDamaged.report().outcome());
    detailsDamaged.assertFatal(
        Problem.Kind.DETAILS_TREE,
        "device details tree: checksum error at block " + p.sb().detailsRoot());
  }

  @Test
  void overrideMappingRoot_isUsed() throws IOException {
    Pools.Pool p = Pools.standard();

    Run r =
        check(p.dev(), CheckOptions.builder().overrideMappingRoot(p.sb().detailsRoot()).build());

    r.assertFatal(
        Problem.Kind.TOP_LEVEL_TREE,
        "mapping top-level: value_size mismatch (expected 8, got 24) at block "
            + p.sb().detailsRoot());
  }

  @Test
  void clearNeedsCheck_rewritesOnlyTheFlag() throws IOException {
    Pools.Pool p = Pools.withFlags(Superblock.NEEDS_CHECK);
    byte[] before = p.dev().read(0).array().clone();

    Run r = check(p.dev(), CheckOptions.builder().clearNeedsCheck(true).build());

    assertEquals(CheckReport.Outcome.CLEAN, r.report().outcome(), r::toString);
    assertTrue(r.report().needsCheck());
    assertTrue(r.report().needsCheckCleared());
    r.assertLines("needs_check flag is set in the superblock", "Cleared needs_check flag");
    byte[] after = p.dev().read(0).array();
    assertEquals(0, after[4]);
    for (int i = 5; i < 4096; i++) {
      assertEquals(before[i], after[i], "byte " + i);
    }
    assertTrue(Superblock.checksumOk(p.dev().read(0)));
  }

  @Test
  void clearNeedsCheck_notClearedWhenCheckFails() throws IOException {
    Pools.Pool p = Pools.withFlags(Superblock.NEEDS_CHECK);
    new DamageInjector(p.dev()).breakChecksum(p.leaf4());

    Run r = check(p.dev(), CheckOptions.builder().clearNeedsCheck(true).build());

    assertFalse(r.report().needsCheckCleared());
    assertEquals(Superblock.NEEDS_CHECK, Superblock.decode(p.dev().read(0)).flags());
  }

  @Test
  void leaks_autoRepairFixesBothSpaceMapsAndClearsTheFlag() throws IOException {
    Pools.Pool p = Pools.withFlags(Superblock.NEEDS_CHECK);
    DamageInjector inj = new DamageInjector(p.dev());
    inj.setCount(SpaceMapReader.Kind.DATA, 95_000, 1);
    inj.setCount(SpaceMapReader.Kind.METADATA, 1000, 1);

    Run r = check(p.dev(), CheckOptions.builder().autoRepair(true).build());
    Run after = check(p.dev());

    assertEquals(CheckReport.Outcome.CLEAN, r.report().outcome(), r::toString);
    assertTrue(r.report().passed(false));
    assertTrue(r.report().needsCheckCleared());
    assertTrue(r.toString().contains("Repairing data leaks."), r::toString);
    assertTrue(r.toString().contains("Repairing metadata leaks."), r::toString);
    assertEquals(CheckReport.Outcome.CLEAN, after.report().outcome(), after::toString);
    assertEquals(List.of(), after.report().problems());
    assertEquals(0, Superblock.decode(p.dev().read(0)).flags());
  }

  @Test
  void leaks_clearNeedsCheck_repairsThemToo() throws IOException {
    Pools.Pool p = Pools.withFlags(Superblock.NEEDS_CHECK);
    new DamageInjector(p.dev()).setCount(SpaceMapReader.Kind.METADATA, 1000, 1);

    Run r = check(p.dev(), CheckOptions.builder().clearNeedsCheck(true).build());
    Run after = check(p.dev());

    assertTrue(r.report().passed(false), r::toString);
    assertTrue(r.report().needsCheckCleared());
    assertEquals(0, Superblock.decode(p.dev().read(0)).flags());
    assertEquals(CheckReport.Outcome.CLEAN, after.report().outcome(), after::toString);
  }

  @Test
  void leaks_notRepairedWhenAnotherProblemIsFatal() throws IOException {
    Pools.Pool p = Pools.withFlags(Superblock.NEEDS_CHECK);
    DamageInjector inj = new DamageInjector(p.dev());
    inj.setCount(SpaceMapReader.Kind.DATA, 95_000, 1);
    inj.breakChecksum(p.leaf4());
    byte[] before = p.dev().toByteArray();

    Run r = check(p.dev(), CheckOptions.builder().autoRepair(true).build());

    assertFalse(r.report().passed(false));
    assertFalse(r.report().needsCheckCleared());
    assertTrue(java.util.Arrays.equals(before, p.dev().toByteArray()), "nothing written");
  }

  // ---- many problems

  @Test
  void manyDamagedNodes_giveASummary() throws IOException {
    Pools.Pool p = Pools.standard();
    DamageInjector inj = new DamageInjector(p.dev());
    for (long leaf : p.leaves1()) {
      inj.breakChecksum(leaf);
    }

    Run r = check(p.dev());

    r.assertFatal(
        Problem.Kind.MAPPING_TREE,
        "... and 268 more data mapping tree problems",
        "278 nodes in data mapping tree contain errors",
        "0 io errors, 278 checksum errors",
        "Check of mappings failed");
    assertEquals(278, r.report().count(Problem.Kind.MAPPING_TREE));
    assertTrue(
        r.out()
            .at(CheckListener.Level.FATAL)
            .contains("... and 268 more data mapping tree problems"));
    assertTrue(r.out().lines.size() < 30, r::toString);
    assertTrue(r.text().contains("Thin device 1 has 255+ errors and is missing 70000 mappings"));
  }

  @Test
  void manyLeaks_giveASummary() throws IOException {
    Pools.Pool p = Pools.standard();
    DamageInjector inj = new DamageInjector(p.dev());
    for (long b = 95_000; b < 96_000; b++) {
      inj.setCount(SpaceMapReader.Kind.DATA, b, 1);
    }

    Run r = check(p.dev());

    r.assertNonFatal(
        Problem.Kind.DATA_LEAK,
        "1000 data blocks have leaked",
        "data block 95000: reference count on disk is 1, expected 0",
        "data block 95009: reference count on disk is 1, expected 0",
        "... and 990 more data leak problems");
    assertEquals(1000, r.report().count(Problem.Kind.DATA_LEAK));
    assertTrue(
        r.out().at(CheckListener.Level.NON_FATAL).contains("... and 990 more data leak problems"));
    assertTrue(r.out().lines.size() < 30, r::toString);
  }

  private static org.thinmeta.pdata.btree.Node node(Pools.Pool p, long loc) throws IOException {
    return org.thinmeta.pdata.btree.Node.decode(loc, p.dev().read(loc));
  }

  private static long rightKey(Pools.Pool p) throws IOException {
    return node(p, p.root3()).key(1);
  }

  private static Problem problem(Run r, Problem.Kind kind) {
    return r.report().problems().stream().filter(p -> p.kind() == kind).findFirst().orElseThrow();
  }
}
