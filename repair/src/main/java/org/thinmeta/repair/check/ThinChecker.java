package org.thinmeta.repair.check;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ForkJoinPool;
import org.thinmeta.pdata.btree.AtomicBitSet;
import org.thinmeta.pdata.btree.BTreeWalker;
import org.thinmeta.pdata.btree.KeyRange;
import org.thinmeta.pdata.btree.Node;
import org.thinmeta.pdata.btree.NodeChecks;
import org.thinmeta.pdata.btree.NodeFault;
import org.thinmeta.pdata.checksum.BlockKind;
import org.thinmeta.pdata.checksum.Checksums;
import org.thinmeta.pdata.damage.CorruptMetadataException;
import org.thinmeta.pdata.damage.Damage;
import org.thinmeta.pdata.damage.Severity;
import org.thinmeta.pdata.io.BlockDevice;
import org.thinmeta.pdata.spacemap.Bitmap;
import org.thinmeta.pdata.spacemap.SpaceMapReader;
import org.thinmeta.repair.check.CheckListener.Level;
import org.thinmeta.thin.format.DeviceDetails;
import org.thinmeta.thin.format.Superblock;
import org.thinmeta.thin.read.MetadataReader;
import org.thinmeta.thin.write.ThinPool;

/**
 * Checks thin-pool metadata (format doc §7.3, in that order), with reference counting of every
 * metadata and data block (§6). Messages go to a {@link CheckListener} as the check runs; the
 * result is a {@link CheckReport}. Reads only, unless the options ask to clear NEEDS_CHECK.
 *
 * <pre>
 *   CheckReport r = new ThinChecker(device, listener).check(CheckOptions.DEFAULT);
 *   boolean ok = r.passed(false);
 * </pre>
 */
public final class ThinChecker {
  /** Largest number of metadata blocks a space map can describe (255 bitmaps). */
  public static final long MAX_METADATA_BLOCKS =
      (long) SpaceMapReader.METADATA_INDEX_ENTRIES * Bitmap.ENTRIES_PER_BLOCK;

  private final BlockDevice device;
  private final CheckListener listener;

  /** A checker of {@code device} reporting to {@code listener}. */
  public ThinChecker(BlockDevice device, CheckListener listener) {
    this.device = device;
    this.listener = listener;
  }

  /**
   * Runs the check.
   *
   * @throws IOException if the device cannot be read at all (block 0), or a write fails
   */
  public CheckReport check(CheckOptions options) throws IOException {
    return new Run(options).execute();
  }

  /** Stops the check; the message (possibly several lines) is printed last. */
  private static final class Abort extends Exception {
    private static final long serialVersionUID = 1L;
    private final boolean fatal;

    Abort(String message, boolean fatal) {
      super(message);
      this.fatal = fatal;
    }
  }

  /** The two trees hanging off one superblock. */
  private record Trees(
      SortedMap<Long, DeviceDetails> details,
      SortedMap<Long, Long> roots,
      List<Long> rootRefs,
      String error) {}

  /** A device whose mapping count is checked. */
  private record Device(long id, long root, DeviceDetails details) {}

  private final class Run {
    private final CheckOptions opts;
    private final ProblemLog log;
    private final NodeChecks.Policy policy;
    private Superblock live;
    private ByteBuffer block0;
    private Long transactionId;
    private Long freeBlocks;
    private boolean needsCheck;
    private boolean cleared;
    private boolean nonFatalAbort;
    private long limit;
    private MetadataRefTally tally;
    private AtomicBitSet seen;
    private final List<Problem> pendingSnap = new ArrayList<>();
    private long lastTime = System.nanoTime();

    /** A debug line with the time since the previous one. */
    private void timing(String what) {
      long now = System.nanoTime();
      if (listener.wants(Level.DEBUG)) {
        listener.message(
            Level.DEBUG, String.format(Locale.ROOT, "%s: %.1f ms", what, (now - lastTime) / 1e6));
      }
      lastTime = now;
    }

    Run(CheckOptions opts) {
      this.opts = opts;
      this.log = new ProblemLog(listener);
      this.policy = opts.ignoreNonFatal() ? NodeChecks.Policy.FATAL_ONLY : NodeChecks.Policy.STRICT;
    }

    CheckReport execute() throws IOException {
      String abort = null;
      try {
        steps();
      } catch (Abort a) {
        log.summarise();
        abort = a.getMessage();
        nonFatalAbort = !a.fatal;
        for (String line : abort.split("\n")) {
          listener.message(Level.FATAL, line);
        }
      }
      log.summarise();
      CheckReport.Outcome outcome;
      if ((abort != null && !nonFatalAbort) || log.hasFatal()) {
        outcome = CheckReport.Outcome.FATAL;
      } else if (log.hasNonFatal() || nonFatalAbort) {
        outcome = CheckReport.Outcome.NON_FATAL;
      } else {
        outcome = CheckReport.Outcome.CLEAN;
      }
      return new CheckReport(
          log.examples(),
          log.counts(),
          outcome,
          abort,
          transactionId,
          freeBlocks,
          needsCheck,
          cleared);
    }

    private void steps() throws IOException, Abort {
      // 1. The superblock: checksum, then what the kernel also insists on.
      block0 = device.read(0);
      if (!Superblock.checksumOk(block0)) {
        fail(Problem.Kind.SUPERBLOCK_CHECKSUM, 0, "bad checksum in superblock");
      }
      live = Superblock.decode(block0);
      if (live.magic() != Superblock.MAGIC) {
        fail(
            Problem.Kind.SUPERBLOCK_MAGIC,
            0,
            "bad magic number in superblock: "
                + Long.toUnsignedString(live.magic())
                + ", expected "
                + Superblock.MAGIC);
      }
      if (live.blockNr() != 0) {
        fail(
            Problem.Kind.SUPERBLOCK_BLOCKNR,
            0,
            "superblock at block 0 claims to be block " + Long.toUnsignedString(live.blockNr()));
      }
      if (live.incompatFlags() != 0) {
        fail(
            Problem.Kind.SUPERBLOCK_FEATURES,
            0,
            String.format(
                Locale.ROOT,
                "superblock has unknown incompat_flags 0x%x: the kernel refuses such metadata",
                live.incompatFlags()));
      }
      needsCheck = live.needsCheck();
      Superblock sb =
          live.withRoots(
              opts.overrideMappingRoot() != null ? opts.overrideMappingRoot() : live.mappingRoot(),
              opts.overrideDetailsRoot() != null ? opts.overrideDetailsRoot() : live.detailsRoot());

      // 2. The metadata snapshot's superblock, if any; its errors are reported later.
      Superblock snap = null;
      String snapError = null;
      if (live.metadataSnap() != 0) {
        try {
          snap = readSnapshotSuperblock(live.metadataSnap());
        } catch (Abort a) {
          snapError = a.getMessage();
        }
      }
      if (opts.useMetadataSnap()) {
        if (live.metadataSnap() == 0) {
          fail(Problem.Kind.METADATA_SNAPSHOT, -1, "no current metadata snap");
        }
        if (snapError != null) {
          reportPendingSnap();
          throw new Abort("metadata snap: " + snapError, true);
        }
      }

      // 3. Standard output.
      transactionId = live.transactionId();
      long nrBlocks = live.metadataSmRoot().nrBlocks();
      long nrAllocated = live.metadataSmRoot().nrAllocated();
      freeBlocks = Long.compareUnsigned(nrAllocated, nrBlocks) >= 0 ? 0 : nrBlocks - nrAllocated;
      listener.superblockInfo(transactionId, freeBlocks);
      if (needsCheck) {
        log.message(Level.WARNING, "needs_check flag is set in the superblock");
      }

      // 4.
      if (opts.superBlockOnly()) {
        if (opts.writes()) {
          clearNeedsCheck();
        }
        return;
      }

      // 5. Sizes, and the tally of expected metadata counts.
      listener.message(Level.TITLE, "Checking thin metadata");
      checkSizes();
      tally = new MetadataRefTally(limit);
      seen = new AtomicBitSet(limit);
      tally.inc(0);
      if (live.metadataSnap() != 0) {
        tally.inc(live.metadataSnap());
      }

      timing("superblock");
      // 6. The live details and top-level trees.
      listener.message(Level.TITLE, "device details tree");
      SortedMap<Long, Long> liveRoots = new TreeMap<>(Long::compareUnsigned);
      List<Long> rootRefs = new ArrayList<>();
      List<Device> devices = new ArrayList<>();
      if (!opts.useMetadataSnap()) {
        Trees t = readTrees(sb, false);
        log.summarise();
        if (t.error() != null) {
          throw new Abort(t.error(), true);
        }
        if (!sameIds(t, false)) {
          throw new Abort("Inconsistency between the details tree and the mapping tree", true);
        }
        liveRoots.putAll(t.roots());
        rootRefs.addAll(t.rootRefs());
        for (Map.Entry<Long, Long> e : t.roots().entrySet()) {
          devices.add(new Device(e.getKey(), e.getValue(), t.details().get(e.getKey())));
        }
      }

      // 7. The snapshot's trees; devices only it holds are checked too.
      List<Device> exclusive = new ArrayList<>();
      reportPendingSnap();
      if (snap != null) {
        Trees t = readTrees(snap, true);
        log.summarise();
        if (t.error() != null) {
          snapError = t.error();
        } else if (!sameIds(t, true)) {
          snapError = "inconsistent device ids";
        } else {
          for (Map.Entry<Long, Long> e : t.roots().entrySet()) {
            Long liveRoot = liveRoots.get(e.getKey());
            if (liveRoot == null || !liveRoot.equals(e.getValue())) {
              exclusive.add(new Device(e.getKey(), e.getValue(), t.details().get(e.getKey())));
            }
          }
          rootRefs.addAll(t.rootRefs());
        }
        if (opts.useMetadataSnap() && snapError != null) {
          throw new Abort("metadata snap: " + snapError, true);
        }
      }

      timing("details and top-level trees");
      // 8.
      if (opts.skipMappings()) {
        if (snapError != null) {
          throw new Abort("metadata snap: " + snapError, true);
        }
        if (opts.writes()) {
          clearNeedsCheck();
        }
        return;
      }

      // 10-12. The bottom-level trees.
      listener.message(Level.TITLE, "mapping tree");
      listener.message(
          Level.INFO,
          "number of devices to check: "
              + (devices.size() + exclusive.size())
              + (exclusive.isEmpty()
                  ? ""
                  : " (" + exclusive.size() + " exclusive in metadata snapshot)"));
      long nrDataBlocks = live.dataSmRoot().nrBlocks();
      if (nrDataBlocks < 0 || nrDataBlocks > DataRefTally.MAX_BLOCKS) {
        fail(
            Problem.Kind.DATA_SPACE_MAP,
            -1,
            "data space map: it claims "
                + Long.toUnsignedString(nrDataBlocks)
                + " blocks, more than block numbers can address");
      }
      DataRefTally dataTally = opts.useMetadataSnap() ? null : new DataRefTally(nrDataBlocks);
      ForkJoinPool pool = new ForkJoinPool(opts.threads());
      try {
        MappingScan scan =
            new MappingScan(
                device, limit, nrDataBlocks, policy, tally, dataTally, seen, log, opts.threads());
        Map<Long, long[]> byRoot = new HashMap<>();
        for (Device d : devices) {
          addId(byRoot, d);
        }
        Map<Long, long[]> snapOnly = new HashMap<>();
        for (Device d : exclusive) {
          addId(byRoot.containsKey(d.root()) ? byRoot : snapOnly, d);
        }
        long fatalBefore = log.fatalCount();
        scan.walk(rootRefs.stream().mapToLong(Long::longValue).toArray(), byRoot, snapOnly);
        timing("reading mapping trees");
        listener.message(Level.INFO, "nr internal nodes: " + scan.internalNodes());
        listener.message(Level.INFO, "nr leaves: " + scan.leaves());
        if (!scan.faults().isEmpty()) {
          long io = 0;
          long csum = 0;
          for (NodeFault f : scan.faults().values()) {
            if (f == NodeFault.IO_ERROR) {
              io++;
            } else if (f == NodeFault.CHECKSUM) {
              csum++;
            }
          }
          listener.message(
              Level.FATAL, scan.faults().size() + " nodes in data mapping tree contain errors");
          listener.message(Level.FATAL, io + " io errors, " + csum + " checksum errors");
        }
        boolean failed = checkDevices(scan, devices, "");
        failed |= checkDevices(scan, exclusive, " (metadata snapshot)");
        log.summarise();
        timing("counting mapped blocks");
        if (failed || log.fatalCount() > fatalBefore) {
          throw new Abort("Check of mappings failed", true);
        }
        if (snapError != null) {
          throw new Abort("metadata snap: " + snapError, true);
        }

        // 13.
        if (opts.useMetadataSnap()) {
          return;
        }

        // 9, 14, 15. The space maps: their own blocks count as metadata references.
        SpaceMapCheck dataSm =
            new SpaceMapCheck(device, limit, live.dataSmRoot(), SpaceMapReader.Kind.DATA);
        SpaceMapCheck metaSm =
            new SpaceMapCheck(device, limit, live.metadataSmRoot(), SpaceMapReader.Kind.METADATA);
        readStructure(dataSm, "data");
        readStructure(metaSm, "metadata");
        timing("reading space-map indexes");
        SpaceMapCheck.Result data = compare(dataSm, dataTally, pool, "data");
        timing("checking data space map");
        SpaceMapCheck.Result meta = compare(metaSm, tally, pool, "metadata");
        timing("checking metadata space map");
        reportCounts(data, "data", Problem.Kind.DATA_LEAK, Problem.Kind.DATA_BAD_COUNT);
        reportCounts(meta, "metadata", Problem.Kind.METADATA_LEAK, Problem.Kind.METADATA_BAD_COUNT);
        if (data.bad() > 0) {
          throw new Abort(
              "data space map: " + data.bad() + " data blocks have bad reference counts", true);
        }
        if (meta.bad() > 0) {
          throw new Abort(
              "metadata space map: " + meta.bad() + " metadata blocks have bad reference counts",
              true);
        }

        // 16. Leaks: harmless to the kernel (blocks it will never hand out).
        if (data.leaks() > 0 || meta.leaks() > 0) {
          if (opts.writes()) {
            repairLeaks(data, meta);
          } else if (!opts.ignoreNonFatal()) {
            String which = data.leaks() > 0 ? "data" : "metadata";
            throw new Abort(
                which + " space map contains leaks\nperhaps you wanted to run with --auto-repair",
                false);
          }
        }
      } finally {
        pool.shutdownNow();
      }

      // 17.
      if (opts.writes()) {
        if (log.hasFatal() || (log.hasNonFatal() && !opts.ignoreNonFatal())) {
          return;
        }
        clearNeedsCheck();
      }
    }

    private void addId(Map<Long, long[]> byRoot, Device d) {
      long[] old = byRoot.get(d.root());
      long[] ids = old == null ? new long[1] : java.util.Arrays.copyOf(old, old.length + 1);
      ids[ids.length - 1] = d.id();
      byRoot.put(d.root(), ids);
    }

    private Superblock readSnapshotSuperblock(long loc) throws IOException, Abort {
      String where = " (metadata snapshot at block " + Long.toUnsignedString(loc) + ")";
      if (loc < 0 || loc >= device.nrBlocks()) {
        snapProblem(
            loc,
            "metadata snapshot block "
                + Long.toUnsignedString(loc)
                + " is beyond the end of the metadata device");
        throw new Abort("superblock location beyond the metadata device", true);
      }
      ByteBuffer b = device.read(loc);
      if (!Superblock.checksumOk(b)) {
        BlockKind k = Checksums.classify(b);
        snapProblem(
            loc,
            "metadata snapshot superblock at block "
                + loc
                + (k == BlockKind.UNKNOWN ? " has a bad checksum" : " is a " + k + " block"));
        throw new Abort("bad checksum in superblock", true);
      }
      Superblock s = Superblock.decode(b);
      if (s.magic() != Superblock.MAGIC) {
        snapProblem(loc, "bad magic number in superblock" + where);
        throw new Abort("bad magic number in superblock", true);
      }
      if (s.blockNr() != loc) {
        snapProblem(
            loc,
            "metadata snapshot superblock at block "
                + loc
                + " claims to be block "
                + Long.toUnsignedString(s.blockNr()));
        throw new Abort("blocknr mismatch in superblock", true);
      }
      return s;
    }

    private void snapProblem(long loc, String message) {
      pendingSnap.add(
          new Problem(Problem.Kind.METADATA_SNAPSHOT, Severity.FATAL, loc, -1, message));
    }

    /** Prints the problems found in the snapshot's superblock, at the point they matter. */
    private void reportPendingSnap() {
      for (Problem p : pendingSnap) {
        log.report(p);
      }
      pendingSnap.clear();
    }

    private void checkSizes() throws Abort {
      long smBlocks = live.metadataSmRoot().nrBlocks();
      long sbBlocks = live.metadataNrBlocks();
      long have = device.nrBlocks();
      if (smBlocks <= 0 || smBlocks > MAX_METADATA_BLOCKS) {
        fail(
            Problem.Kind.METADATA_SPACE_MAP,
            -1,
            "metadata space map: it claims "
                + Long.toUnsignedString(smBlocks)
                + " blocks; a metadata space map holds 1 to "
                + MAX_METADATA_BLOCKS);
      }
      if (Long.compareUnsigned(sbBlocks, have) > 0 || smBlocks > have) {
        boolean bySb = Long.compareUnsigned(sbBlocks, smBlocks) >= 0;
        fail(
            Problem.Kind.DEVICE_TOO_SMALL,
            -1,
            "metadata device/file too small: it holds "
                + have
                + " blocks, but the "
                + (bySb ? "superblock" : "metadata space map")
                + " claims "
                + Long.toUnsignedString(bySb ? sbBlocks : smBlocks));
      }
      limit = smBlocks;
    }

    /** Walks the details and top-level trees of {@code s}, counting references. */
    private Trees readTrees(Superblock s, boolean snapshot) throws IOException {
      Problem.Kind dk = snapshot ? Problem.Kind.METADATA_SNAPSHOT : Problem.Kind.DETAILS_TREE;
      Problem.Kind tk = snapshot ? Problem.Kind.METADATA_SNAPSHOT : Problem.Kind.TOP_LEVEL_TREE;
      String prefix = snapshot ? "metadata snapshot " : "";
      List<Problem> problems = new ArrayList<>();
      List<Long> rootRefs = new ArrayList<>();
      BTreeWalker dw =
          new BTreeWalker(
              device,
              limit,
              d -> problems.add(treeProblem(dk, d, prefix + "device details tree")),
              policy,
              tally,
              seen);
      dw.walk(s.detailsRoot(), DeviceDetails.SIZE, (leaf, range) -> {});
      BTreeWalker tw =
          new BTreeWalker(
              device,
              limit,
              d -> problems.add(treeProblem(tk, d, prefix + "mapping top-level")),
              policy,
              tally,
              seen);
      tw.walk(
          s.mappingRoot(),
          8,
          new BTreeWalker.Visitor() {
            @Override
            public void leaf(Node leaf, KeyRange range) {
              for (int i = 0; i < leaf.nrEntries(); i++) {
                rootRefs.add(leaf.valueU64(i));
              }
            }
          });
      String error = null;
      for (Problem p : problems) {
        if (error == null && p.isFatal()) {
          // Printed as the final line instead (prefixed "metadata snap: " for the snapshot).
          error = snapshot ? p.message().substring(prefix.length()) : p.message();
          log.record(p);
        } else {
          log.report(p);
        }
      }
      SortedMap<Long, DeviceDetails> details = new TreeMap<>(Long::compareUnsigned);
      SortedMap<Long, Long> roots = new TreeMap<>(Long::compareUnsigned);
      if (error == null) {
        try {
          details = MetadataReader.readDetails(device, limit, s.detailsRoot());
        } catch (CorruptMetadataException e) {
          error = prefix + "device details tree: " + e.getMessage();
          log.report(new Problem(dk, Severity.FATAL, -1, -1, error));
        }
        try {
          roots = MetadataReader.readTopLevel(device, limit, s.mappingRoot());
        } catch (CorruptMetadataException e) {
          String m = prefix + "mapping top-level: " + e.getMessage();
          log.report(new Problem(tk, Severity.FATAL, -1, -1, m));
          error = error == null ? m : error;
        }
        if (error != null && snapshot) {
          error = error.substring(prefix.length());
        }
      }
      return new Trees(details, roots, rootRefs, error);
    }

    private Problem treeProblem(Problem.Kind kind, Damage d, String context) {
      return new Problem(kind, d.severity(), d.location(), -1, context + ": " + d.describe());
    }

    /** Reports ids only one of the two trees holds; true if there are none. */
    private boolean sameIds(Trees t, boolean snapshot) {
      TreeSet<Long> onlyDetails = new TreeSet<>(Long::compareUnsigned);
      onlyDetails.addAll(t.details().keySet());
      onlyDetails.removeAll(t.roots().keySet());
      TreeSet<Long> onlyMapping = new TreeSet<>(Long::compareUnsigned);
      onlyMapping.addAll(t.roots().keySet());
      onlyMapping.removeAll(t.details().keySet());
      String prefix = snapshot ? "metadata snapshot: " : "";
      Problem.Kind kind = snapshot ? Problem.Kind.METADATA_SNAPSHOT : Problem.Kind.DEVICE_IDS;
      for (long id : onlyDetails) {
        log.report(
            new Problem(
                kind,
                Severity.FATAL,
                -1,
                id,
                prefix
                    + "device "
                    + Long.toUnsignedString(id)
                    + " is in the device details tree but not in the mapping tree"));
      }
      for (long id : onlyMapping) {
        log.report(
            new Problem(
                kind,
                Severity.FATAL,
                -1,
                id,
                prefix
                    + "device "
                    + Long.toUnsignedString(id)
                    + " is in the mapping tree but not in the device details tree"));
      }
      log.summarise();
      return onlyDetails.isEmpty() && onlyMapping.isEmpty();
    }

    /** Compares each device's mapped_blocks with its tree; true if any failed. */
    private boolean checkDevices(MappingScan scan, List<Device> devs, String where)
        throws IOException {
      boolean failed = false;
      for (Device d : devs) {
        MappingScan.Summary s = scan.summary(d.root());
        long expected = d.details().mappedBlocks();
        String id = Long.toUnsignedString(d.id());
        if (s.errors() > 0) {
          failed = true;
          long missing = Math.max(0, expected - s.mappings());
          String errors = s.errors() >= 255 ? "255+" : Long.toString(s.errors());
          log.report(
              new Problem(
                  Problem.Kind.DEVICE_MAPPINGS,
                  Severity.FATAL,
                  d.root(),
                  d.id(),
                  "Thin device "
                      + id
                      + " has "
                      + errors
                      + " errors and is missing "
                      + missing
                      + " mappings, while expected "
                      + Long.toUnsignedString(expected)
                      + where));
        } else if (s.mappings() != expected) {
          failed = true;
          log.report(
              new Problem(
                  Problem.Kind.DEVICE_MAPPINGS,
                  Severity.FATAL,
                  d.root(),
                  d.id(),
                  "Thin device "
                      + id
                      + " has unexpected number of mappings, expected "
                      + Long.toUnsignedString(expected)
                      + ", actual "
                      + s.mappings()
                      + where));
        }
      }
      return failed;
    }

    private void readStructure(SpaceMapCheck sm, String name) throws IOException, Abort {
      try {
        sm.readStructure(tally);
      } catch (SpaceMapCheck.Unreadable e) {
        for (Problem p : e.problems()) {
          log.report(p);
        }
        Problem.Kind k =
            name.equals("data") ? Problem.Kind.DATA_SPACE_MAP : Problem.Kind.METADATA_SPACE_MAP;
        if (e.problems().isEmpty()) {
          log.record(
              new Problem(k, Severity.FATAL, -1, -1, name + " space map: " + e.getMessage()));
        }
        throw new Abort(name + " space map: " + e.getMessage(), true);
      }
    }

    private SpaceMapCheck.Result compare(
        SpaceMapCheck sm, SpaceMapCheck.Expected expected, ForkJoinPool pool, String name)
        throws IOException, Abort {
      try {
        SpaceMapCheck.Result r = sm.compare(expected, pool);
        if (r.onDiskAllocated() != sm.root().nrAllocated()) {
          log.message(
              Level.WARNING,
              name
                  + " space map: nr_allocated is "
                  + Long.toUnsignedString(sm.root().nrAllocated())
                  + ", but "
                  + r.onDiskAllocated()
                  + " blocks have a non-zero count");
        }
        return r;
      } catch (SpaceMapCheck.Unreadable e) {
        for (Problem p : e.problems()) {
          log.report(p);
        }
        throw new Abort(name + " space map: " + e.getMessage(), true);
      }
    }

    private void reportCounts(
        SpaceMapCheck.Result r, String name, Problem.Kind leak, Problem.Kind bad) {
      if (r.leaks() > 0) {
        log.message(Level.NON_FATAL, r.leaks() + " " + name + " blocks have leaked");
        log.reportAll(leak, r.leakExamples(), r.leaks());
      }
      if (r.bad() > 0) {
        log.reportAll(bad, r.badExamples(), r.bad());
      }
    }

    /**
     * Repairs leaks (unused blocks with a count of 1) in both space maps, and clears NEEDS_CHECK,
     * through the write-path engine's commit: the changed bitmaps, index and counts are written to
     * new blocks and forced, then the superblock is written and forced. The index hints and
     * nr_allocated stay exact (unlike the reference, quirk Q7).
     */
    private void repairLeaks(SpaceMapCheck.Result data, SpaceMapCheck.Result meta)
        throws IOException {
      device.flush();
      ByteBuffer now = device.read(0);
      if (!now.equals(block0.duplicate().position(0).limit(block0.capacity()))) {
        throw new IOException("the superblock changed during the check; nothing was repaired");
      }
      ThinPool writer = ThinPool.open(device, ThinPool.Options.DEFAULT);
      if (data.leaks() > 0) {
        log.message(Level.WARNING, "Repairing data leaks.");
        for (long b : data.leakedBlocks()) {
          writer.dataSpaceMap().setCount(b, 0);
        }
      }
      if (meta.leaks() > 0) {
        log.message(Level.WARNING, "Repairing metadata leaks.");
        for (long b : meta.leakedBlocks()) {
          writer.metadataSpaceMap().setCount(b, 0);
        }
      }
      if (needsCheck) {
        writer.setNeedsCheck(false);
      }
      writer.commit();
      log.repaired(java.util.Set.of(Problem.Kind.DATA_LEAK, Problem.Kind.METADATA_LEAK));
      if (needsCheck) {
        cleared = true;
        log.message(Level.WARNING, "Cleared needs_check flag");
      }
    }

    /**
     * Clears NEEDS_CHECK crash-safely: everything before is flushed, block 0 is rewritten with only
     * the flag changed (if it still holds what was checked), and flushed again.
     */
    private void clearNeedsCheck() throws IOException {
      if (!needsCheck || cleared) {
        return;
      }
      device.flush();
      ByteBuffer now = device.read(0);
      if (!now.equals(block0.duplicate().position(0).limit(block0.capacity()))) {
        throw new IOException("the superblock changed during the check; needs_check not cleared");
      }
      device.write(0, Superblock.withFlags(block0, live.flags() & ~Superblock.NEEDS_CHECK));
      device.flush();
      cleared = true;
      log.message(Level.WARNING, "Cleared needs_check flag");
    }

    private void fail(Problem.Kind kind, long block, String message) throws Abort {
      log.record(new Problem(kind, Severity.FATAL, block, -1, message));
      throw new Abort(message, true);
    }
  }
}
