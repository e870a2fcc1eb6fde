package org.thinmeta.thin.inspect;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.thinmeta.pdata.io.BlockDevice;
import org.thinmeta.thin.format.BlockTime;

/**
 * The reverse map of thin_rmap (format doc §10.3): for data blocks in the given regions, which
 * devices map them at which virtual blocks. Every distinct leaf is read once; a leaf (or subtree)
 * shared by several devices is reported for each of them (unlike 1.3.3, quirk Q4, and 0.9.0, which
 * both skip subtrees already visited).
 *
 * <p>Runs grow while device, data block and virtual block all continue, across leaves and regions;
 * they are sorted by data begin, data end, device and virtual begin.
 */
public final class ReverseMap {
  private static final int BEGIN = 0;
  private static final int LENGTH = 1;
  private static final long MASK40 = (1L << 40) - 1;

  /**
   * Longs per run record: 3 when device ids fit 24 bits and virtual blocks 40 bits (always, for
   * kernel-made pools: {@code [data begin, length, dev << 40 | thin begin]}), else 4 ({@code [data
   * begin, length, dev, thin begin]}).
   */
  private final int rec;

  /** The runs, one record each, interleaved so that a run is one cache line. */
  private long[] runs;

  private int n;

  private ReverseMap(int rec, int capacity) {
    this.rec = rec;
    this.runs = new long[rec * capacity];
  }

  /** Receives runs. */
  private interface RunSink {
    void run(long begin, long length, long dev, long thin);
  }

  /**
   * Builds the reverse map of the devices in {@code roots} (id to bottom-level root).
   *
   * @param limit number of metadata blocks pointers may reach
   * @throws org.thinmeta.pdata.damage.CorruptMetadataException if a tree is damaged
   */
  public static ReverseMap build(
      BlockDevice device, long limit, Map<Long, Long> roots, List<DataRegion> regions, int threads)
      throws IOException {
    long[][] merged = merge(regions);
    MappingForest forest = MappingForest.load(device, limit, roots.values());
    Map<Long, long[]> matches = new HashMap<>();
    // Per leaf, the matching mappings as runs {thin begin, data begin, length}, so that a leaf
    // shared by many devices is decoded once and walked as a few runs.
    boolean everything = merged.length == 1 && merged[0][0] == 0 && merged[0][1] == -1L;
    forest.readLeaves(
        b -> true,
        threads,
        leaf -> {
          int nr = leaf.nrEntries();
          long[] found = null;
          int k = 0;
          for (int i = 0; i < nr; i++) {
            long d = BlockTime.dataBlock(leaf.valueU64(i));
            if (!everything && !contains(merged, d)) {
              continue;
            }
            long v = leaf.key(i);
            if (k > 0 && found[k - 3] + found[k - 1] == v && found[k - 2] + found[k - 1] == d) {
              found[k - 1]++;
              continue;
            }
            if (found == null) {
              found = new long[3 * (nr - i)];
            }
            found[k++] = v;
            found[k++] = d;
            found[k++] = 1;
          }
          if (found != null) {
            matches.put(leaf.location(), Arrays.copyOf(found, k));
          }
        });
    // Count first, so that the records are allocated once at their final size and layout.
    long[] stats = new long[3]; // count, max dev, max thin begin
    collect(
        forest,
        roots,
        matches,
        (b, len, dev, thin) -> {
          stats[0]++;
          if (Long.compareUnsigned(dev, stats[1]) > 0) {
            stats[1] = dev;
          }
          if (Long.compareUnsigned(thin, stats[2]) > 0) {
            stats[2] = thin;
          }
        });
    if (stats[0] > Integer.MAX_VALUE / 4) {
      throw new IOException("too many runs to sort: " + stats[0]);
    }
    boolean packed =
        Long.compareUnsigned(stats[1], 1L << 24) < 0
            && Long.compareUnsigned(stats[2], 1L << 40) < 0;
    ReverseMap m = new ReverseMap(packed ? 3 : 4, (int) stats[0]);
    collect(forest, roots, matches, m::add);
    m.sort();
    return m;
  }

  /** Walks every device's tree, joining its matching leaf runs into maximal runs. */
  private static void collect(
      MappingForest forest, Map<Long, Long> roots, Map<Long, long[]> matches, RunSink sink)
      throws IOException {
    for (Map.Entry<Long, Long> e : roots.entrySet()) {
      long id = e.getKey();
      long[] run = {0, 0, 0}; // data begin, length, thin begin
      forest.walk(
          e.getValue(),
          (loc, sharedPath, range) -> {
            long[] f = matches.get(loc);
            if (f == null) {
              return;
            }
            for (int i = 0; i < f.length; i += 3) {
              long v = f[i];
              long d = f[i + 1];
              long len = f[i + 2];
              if (run[1] > 0 && d == run[0] + run[1] && v == run[2] + run[1]) {
                run[1] += len;
                continue;
              }
              if (run[1] > 0) {
                sink.run(run[0], run[1], id, run[2]);
              }
              run[0] = d;
              run[1] = len;
              run[2] = v;
            }
          });
      if (run[1] > 0) {
        sink.run(run[0], run[1], id, run[2]);
      }
    }
  }

  /** Number of runs. */
  public int size() {
    return n;
  }

  private long dev(int r) {
    return rec == 3 ? runs[r + 2] >>> 40 : runs[r + 2];
  }

  private long thin(int r) {
    return rec == 3 ? runs[r + 2] & MASK40 : runs[r + 3];
  }

  /** Writes every run, one line each, to {@code out} (not flushed or closed). */
  public void writeTo(java.io.OutputStream out) throws IOException {
    byte[] buf = new byte[1 << 16];
    int p = 0;
    for (int k = 0; k < n; k++) {
      if (p > buf.length - 128) {
        out.write(buf, 0, p);
        p = 0;
      }
      int r = rec * k;
      long b = runs[r + BEGIN];
      long len = runs[r + LENGTH];
      long v = thin(r);
      p = ascii(buf, p, "data ");
      p = num(buf, p, b);
      p = ascii(buf, p, "..");
      p = num(buf, p, b + len);
      p = ascii(buf, p, " -> thin(");
      p = num(buf, p, dev(r));
      p = ascii(buf, p, ") ");
      p = num(buf, p, v);
      p = ascii(buf, p, "..");
      p = num(buf, p, v + len);
      buf[p++] = '\n';
    }
    out.write(buf, 0, p);
  }

  private static int ascii(byte[] buf, int p, String s) {
    for (int i = 0; i < s.length(); i++) {
      buf[p++] = (byte) s.charAt(i);
    }
    return p;
  }

  private static final int[] POW10 = {
    10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000
  };

  /** Unsigned decimal of {@code v} at {@code p}; int arithmetic when it fits (no 64-bit idiv). */
  private static int num(byte[] buf, int p, long v) {
    if (v < 0 || v > Integer.MAX_VALUE) {
      return ascii(buf, p, Long.toUnsignedString(v));
    }
    int x = (int) v;
    int digits = 1;
    while (digits < 10 && x >= POW10[digits - 1]) {
      digits++;
    }
    int end = p + digits;
    int q = end;
    while (x >= 10) {
      int d = x / 10;
      buf[--q] = (byte) ('0' + (x - d * 10));
      x = d;
    }
    buf[--q] = (byte) ('0' + x);
    return end;
  }

  private void add(long b, long len, long dev, long thin) {
    int r = rec * n;
    runs[r + BEGIN] = b;
    runs[r + LENGTH] = len;
    if (rec == 3) {
      runs[r + 2] = (dev << 40) | thin;
    } else {
      runs[r + 2] = dev;
      runs[r + 3] = thin;
    }
    n++;
  }

  /** Compares the record at {@code a} of {@code ra} with the one at {@code b} of {@code rb}. */
  private int compare(long[] ra, int a, long[] rb, int b) {
    int c = Long.compareUnsigned(ra[a + BEGIN], rb[b + BEGIN]);
    if (c == 0) {
      c = Long.compareUnsigned(ra[a + BEGIN] + ra[a + LENGTH], rb[b + BEGIN] + rb[b + LENGTH]);
    }
    for (int i = 2; c == 0 && i < rec; i++) {
      // Packed: dev << 40 | thin compares as (dev, thin); wide: dev, then thin.
      c = Long.compareUnsigned(ra[a + i], rb[b + i]);
    }
    return c;
  }

  /**
   * Sorts the records in place. Runs arrive in device and virtual order, so their data blocks are
   * scattered: a first pass distributes them into buckets of nearby data blocks (sequential reads,
   * a few thousand write streams at most), then each bucket, small enough for the caches, is sorted
   * by a primitive sort of (data begin, position) keys and the rare ties by the remaining fields.
   * Never boxes: there can be many millions of runs.
   */
  private void sort() {
    if (n < 2) {
      return;
    }
    long maxBegin = 0;
    for (int i = 0; i < n; i++) {
      if (Long.compareUnsigned(runs[rec * i + BEGIN], maxBegin) > 0) {
        maxBegin = runs[rec * i + BEGIN];
      }
    }
    int bucketBits = Math.max(0, Math.min(16, 32 - Integer.numberOfLeadingZeros(n / 4096)));
    int maxBits = 64 - Long.numberOfLeadingZeros(maxBegin);
    int shift = Math.max(0, maxBits - bucketBits);
    int buckets = (int) (maxBegin >>> shift) + 1;
    int[] start = new int[buckets + 1];
    for (int i = 0; i < n; i++) {
      start[(int) (runs[rec * i + BEGIN] >>> shift) + 1]++;
    }
    for (int i = 0; i < buckets; i++) {
      start[i + 1] += start[i];
    }
    long[] out = new long[rec * n];
    int[] pos = Arrays.copyOf(start, buckets);
    for (int i = 0; i < n; i++) {
      int r = rec * i;
      int k = rec * pos[(int) (runs[r + BEGIN] >>> shift)]++;
      System.arraycopy(runs, r, out, k, rec);
    }
    runs = out;
    long[] scratch = new long[rec];
    for (int b = 0; b < buckets; b++) {
      if (start[b + 1] - start[b] > 1) {
        scratch = sortRange(start[b], start[b + 1], ((long) b) << shift, shift, scratch);
      }
    }
  }

  /** Sorts records {@code [from, to)}, whose data begins lie in {@code [base, base + 2^bits)}. */
  private long[] sortRange(int from, int to, long base, int bits, long[] scratch) {
    int m = to - from;
    int idxBits = 32 - Integer.numberOfLeadingZeros(m - 1);
    if (m <= 24 || bits + idxBits > 63) {
      insertionSort(from, to, scratch);
      return scratch;
    }
    long[] keys = new long[m];
    for (int i = 0; i < m; i++) {
      keys[i] = ((runs[rec * (from + i) + BEGIN] - base) << idxBits) | i;
    }
    Arrays.sort(keys);
    if (scratch.length < rec * m) {
      scratch = new long[rec * m];
    }
    System.arraycopy(runs, rec * from, scratch, 0, rec * m);
    long mask = (1L << idxBits) - 1;
    for (int i = 0; i < m; i++) {
      System.arraycopy(scratch, rec * (int) (keys[i] & mask), runs, rec * (from + i), rec);
    }
    int lo = from;
    while (lo < to) {
      int hi = lo + 1;
      while (hi < to && runs[rec * hi + BEGIN] == runs[rec * lo + BEGIN]) {
        hi++;
      }
      if (hi - lo > 1) {
        insertionSort(lo, hi, scratch);
      }
      lo = hi;
    }
    return scratch;
  }

  /**
   * Insertion sort of records {@code [from, to)}: for small or nearly sorted ranges (the runs
   * sharing a data begin arrive in device order already). {@code scratch} holds one record.
   */
  private void insertionSort(int from, int to, long[] scratch) {
    for (int i = from + 1; i < to; i++) {
      if (compare(runs, rec * (i - 1), runs, rec * i) <= 0) {
        continue;
      }
      System.arraycopy(runs, rec * i, scratch, 0, rec);
      int j = i - 1;
      while (j >= from && compare(runs, rec * j, scratch, 0) > 0) {
        System.arraycopy(runs, rec * j, runs, rec * (j + 1), rec);
        j--;
      }
      System.arraycopy(scratch, 0, runs, rec * (j + 1), rec);
    }
  }

  /** Sorted, disjoint, non-adjacent {begin, end} pairs covering the regions. */
  static long[][] merge(List<DataRegion> regions) {
    List<DataRegion> s = new ArrayList<>(regions);
    s.sort((a, b) -> Long.compareUnsigned(a.begin(), b.begin()));
    List<long[]> out = new ArrayList<>();
    for (DataRegion r : s) {
      long[] last = out.isEmpty() ? null : out.get(out.size() - 1);
      if (last != null && Long.compareUnsigned(r.begin(), last[1]) <= 0) {
        if (Long.compareUnsigned(r.end(), last[1]) > 0) {
          last[1] = r.end();
        }
      } else {
        out.add(new long[] {r.begin(), r.end()});
      }
    }
    return out.toArray(new long[0][]);
  }

  /** True if {@code d} lies in one of the merged regions. */
  static boolean contains(long[][] merged, long d) {
    int lo = 0;
    int hi = merged.length - 1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      long[] r = merged[mid];
      if (Long.compareUnsigned(d, r[0]) < 0) {
        hi = mid - 1;
      } else if (Long.compareUnsigned(d, r[1]) >= 0) {
        lo = mid + 1;
      } else {
        return true;
      }
    }
    return false;
  }
}
