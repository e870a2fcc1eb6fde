package org.thinmeta.repair.check;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.RecursiveTask;
import org.thinmeta.pdata.btree.RefSink;
import org.thinmeta.pdata.damage.CorruptMetadataException;
import org.thinmeta.pdata.damage.Severity;
import org.thinmeta.pdata.io.BlockDevice;
import org.thinmeta.pdata.spacemap.Bitmap;
import org.thinmeta.pdata.spacemap.IndexEntry;
import org.thinmeta.pdata.spacemap.OverflowCounts;
import org.thinmeta.pdata.spacemap.SmRoot;
import org.thinmeta.pdata.spacemap.SpaceMapReader;

/**
 * Reads one on-disk space map (format doc §4), counts its own blocks as metadata references, and
 * compares its counts with the expected ones (§6): expected 0 and on disk 1 is a leak, any other
 * difference a bad reference count.
 */
final class SpaceMapCheck {
  /** Expected counts. */
  interface Expected {
    /** The expected count of {@code block}. */
    long get(long block);

    /**
     * Encodes the expected counts of the 32 blocks from {@code first} (a multiple of 32) as a
     * bitmap word into {@code out[0]}; false if one of them is 3 or more.
     */
    boolean encode(long first, long[] out);
  }

  /** Thrown when the space map itself cannot be read; the message has no context prefix. */
  static final class Unreadable extends Exception {
    private static final long serialVersionUID = 1L;
    private final transient List<Problem> problems;

    Unreadable(String message, List<Problem> problems) {
      super(message);
      this.problems = problems;
    }

    List<Problem> problems() {
      return problems;
    }
  }

  /** What a comparison found. */
  record Result(
      long leaks,
      long bad,
      List<Problem> leakExamples,
      List<Problem> badExamples,
      long onDiskAllocated,
      List<Problem> bitmapProblems,
      long[] leakedBlocks) {}

  private static final int CHUNK = 16;

  private final SmRoot root;
  private final SpaceMapReader.Kind kind;
  private final SpaceMapReader reader;
  private final String name;
  private final Problem.Kind structureKind;
  private List<IndexEntry> index;
  private OverflowCounts overflow;

  SpaceMapCheck(BlockDevice device, long limit, SmRoot root, SpaceMapReader.Kind kind) {
    this.root = root;
    this.kind = kind;
    this.reader = new SpaceMapReader(device, limit, root, kind);
    this.name = kind == SpaceMapReader.Kind.DATA ? "data" : "metadata";
    this.structureKind =
        kind == SpaceMapReader.Kind.DATA
            ? Problem.Kind.DATA_SPACE_MAP
            : Problem.Kind.METADATA_SPACE_MAP;
  }

  /** The root read from the superblock. */
  SmRoot root() {
    return root;
  }

  /**
   * Reads the index and the overflow ref-count tree, counting their blocks and each bitmap in
   * {@code refs}.
   */
  void readStructure(RefSink refs) throws IOException, Unreadable {
    List<Problem> problems = new ArrayList<>();
    try {
      index =
          reader.readIndex(
              refs,
              d ->
                  problems.add(
                      new Problem(
                          structureKind,
                          d.severity(),
                          d.location(),
                          -1,
                          name + " space map: index tree: " + d.describe())));
      overflow =
          reader.readOverflow(
              refs,
              d ->
                  problems.add(
                      new Problem(
                          structureKind,
                          d.severity(),
                          d.location(),
                          -1,
                          name + " space map: ref-count tree: " + d.describe())));
    } catch (CorruptMetadataException e) {
      throw new Unreadable(
          problems.stream()
              .filter(Problem::isFatal)
              .findFirst()
              .map(p -> p.message().substring(name.length() + " space map: ".length()))
              .orElse(e.getMessage()),
          problems);
    }
    for (IndexEntry e : index) {
      refs.inc(e.blockNr());
    }
  }

  /** Compares every bitmap with {@code expected}, using {@code pool}. */
  Result compare(Expected expected, ForkJoinPool pool) throws IOException, Unreadable {
    List<Result> parts;
    try {
      parts = pool.invoke(new Chunk(0, index.size(), expected));
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
    long leaks = 0;
    long bad = 0;
    long allocated = 0;
    List<Problem> leakEx = new ArrayList<>();
    List<Problem> badEx = new ArrayList<>();
    List<Problem> bitmapProblems = new ArrayList<>();
    long[] leaked = new long[0];
    for (Result r : parts) {
      if (r.leakedBlocks().length > 0) {
        int old = leaked.length;
        leaked = java.util.Arrays.copyOf(leaked, old + r.leakedBlocks().length);
        System.arraycopy(r.leakedBlocks(), 0, leaked, old, r.leakedBlocks().length);
      }
      leaks += r.leaks();
      bad += r.bad();
      allocated += r.onDiskAllocated();
      leakEx.addAll(r.leakExamples());
      badEx.addAll(r.badExamples());
      bitmapProblems.addAll(r.bitmapProblems());
    }
    leakEx.sort(Comparator.comparingLong(Problem::block));
    badEx.sort(Comparator.comparingLong(Problem::block));
    if (!bitmapProblems.isEmpty()) {
      throw new Unreadable(bitmapProblems.get(0).message(), bitmapProblems);
    }
    return new Result(
        leaks,
        bad,
        leakEx.subList(0, Math.min(ProblemLog.EXAMPLES, leakEx.size())),
        badEx.subList(0, Math.min(ProblemLog.EXAMPLES, badEx.size())),
        allocated,
        List.of(),
        leaked);
  }

  private Result compareBitmap(int i, Expected expected) throws IOException {
    IndexEntry entry = index.get(i);
    ByteBuffer b;
    try {
      b = reader.readBitmap(i, entry);
    } catch (CorruptMetadataException e) {
      return failed(entry.blockNr(), e.getMessage());
    }
    if (Bitmap.blockNr(b) != entry.blockNr()) {
      return failed(
          entry.blockNr(),
          "bitmap block "
              + entry.blockNr()
              + " of index entry "
              + i
              + " claims to be block "
              + Long.toUnsignedString(Bitmap.blockNr(b)));
    }
    long base = (long) i * Bitmap.ENTRIES_PER_BLOCK;
    int n = (int) Math.min(Bitmap.ENTRIES_PER_BLOCK, root.nrBlocks() - base);
    long leaks = 0;
    long bad = 0;
    long allocated = 0;
    List<Problem> leakEx = new ArrayList<>();
    List<Problem> badEx = new ArrayList<>();
    long[] leaked = new long[0];
    int nLeaked = 0;
    int words = (n + 31) >>> 5;
    long[] enc = new long[1];
    for (int w = 0; w < words; w++) {
      long word = b.getLong(Bitmap.DATA_OFFSET + 8 * w);
      int first = w << 5;
      int last = Math.min(n, first + 32);
      if (last - first == 32 && expected.encode(base + first, enc) && enc[0] == word) {
        allocated += Long.bitCount((word | (word >>> 1)) & 0x5555555555555555L);
        continue;
      }
      for (int j = first; j < last; j++) {
        int shift = (j & 31) * 2;
        int v = (int) (word >>> shift) & 3;
        long onDisk = v == 0 ? 0 : v == 1 ? 2 : v == 2 ? 1 : -1;
        long block = base + j;
        if (onDisk < 0) {
          onDisk = overflow.lookup(block);
        }
        long exp = expected.get(block);
        if (onDisk != 0) {
          allocated++;
        }
        if (onDisk == exp) {
          continue;
        }
        if (exp == 0 && onDisk == 1) {
          leaks++;
          if (nLeaked == leaked.length) {
            leaked = java.util.Arrays.copyOf(leaked, Math.max(16, nLeaked * 2));
          }
          leaked[nLeaked++] = block;
          if (leakEx.size() < ProblemLog.EXAMPLES) {
            leakEx.add(mismatch(block, exp, onDisk, Severity.NON_FATAL));
          }
        } else {
          bad++;
          if (badEx.size() < ProblemLog.EXAMPLES) {
            badEx.add(mismatch(block, exp, onDisk, Severity.FATAL));
          }
        }
      }
    }
    return new Result(
        leaks, bad, leakEx, badEx, allocated, List.of(), java.util.Arrays.copyOf(leaked, nLeaked));
  }

  private Problem mismatch(long block, long expected, long onDisk, Severity s) {
    Problem.Kind k;
    if (kind == SpaceMapReader.Kind.DATA) {
      k = s == Severity.FATAL ? Problem.Kind.DATA_BAD_COUNT : Problem.Kind.DATA_LEAK;
    } else {
      k = s == Severity.FATAL ? Problem.Kind.METADATA_BAD_COUNT : Problem.Kind.METADATA_LEAK;
    }
    String actual =
        onDisk < 0 ? "3 or more in its bitmap but no ref-count tree entry" : Long.toString(onDisk);
    return new Problem(
        k,
        s,
        block,
        -1,
        name
            + " block "
            + block
            + ": reference count on disk is "
            + actual
            + ", expected "
            + expected);
  }

  private Result failed(long location, String message) {
    return new Result(
        0,
        0,
        List.of(),
        List.of(),
        0,
        List.of(new Problem(structureKind, Severity.FATAL, location, -1, message)),
        new long[0]);
  }

  /** Compares bitmaps [from, to), splitting into tasks of {@link #CHUNK} bitmaps. */
  private final class Chunk extends RecursiveTask<List<Result>> {
    private final int from;
    private final int to;
    private final Expected expected;

    Chunk(int from, int to, Expected expected) {
      this.from = from;
      this.to = to;
      this.expected = expected;
    }

    @Override
    protected List<Result> compute() {
      if (to - from <= CHUNK) {
        List<Result> out = new ArrayList<>();
        try {
          for (int i = from; i < to; i++) {
            out.add(compareBitmap(i, expected));
          }
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
        return out;
      }
      int mid = (from + to) >>> 1;
      Chunk left = new Chunk(from, mid, expected);
      left.fork();
      List<Result> right = new Chunk(mid, to, expected).compute();
      List<Result> out = new ArrayList<>(left.join());
      out.addAll(right);
      return out;
    }
  }
}
