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
  /** The sorted runs, in parallel arrays. */
  private long[] dataBegin = new long[1024];

  private long[] length = new long[1024];
  private long[] dev = new long[1024];
  private long[] thinBegin = new long[1024];
  private int n;

  private ReverseMap() {}

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
    forest.readLeaves(
        b -> true,
        threads,
        leaf -> {
          int nr = leaf.nrEntries();
          long[] found = null;
          int k = 0;
          for (int i = 0; i < nr; i++) {
            long d = BlockTime.dataBlock(leaf.valueU64(i));
            if (contains(merged, d)) {
              if (found == null) {
                found = new long[2 * (nr - i)];
              }
              found[k++] = leaf.key(i);
              found[k++] = d;
            }
          }
          if (found != null) {
            matches.put(leaf.location(), Arrays.copyOf(found, k));
          }
        });
    ReverseMap m = new ReverseMap();
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
            for (int i = 0; i < f.length; i += 2) {
              long v = f[i];
              long d = f[i + 1];
              if (run[1] > 0 && d == run[0] + run[1] && v == run[2] + run[1]) {
                run[1]++;
                continue;
              }
              if (run[1] > 0) {
                m.add(run[0], run[1], id, run[2]);
              }
              run[0] = d;
              run[1] = 1;
              run[2] = v;
            }
          });
      if (run[1] > 0) {
        m.add(run[0], run[1], id, run[2]);
      }
    }
    m.sort();
    return m;
  }

  /** Number of runs. */
  public int size() {
    return n;
  }

  /** Writes run {@code i} as {@code data B..E -> thin(D) V..W} (no newline) to {@code sb}. */
  public void format(int i, StringBuilder sb) {
    long b = dataBegin[i];
    long len = length[i];
    long v = thinBegin[i];
    sb.append("data ")
        .append(Long.toUnsignedString(b))
        .append("..")
        .append(Long.toUnsignedString(b + len))
        .append(" -> thin(")
        .append(Long.toUnsignedString(dev[i]))
        .append(") ")
        .append(Long.toUnsignedString(v))
        .append("..")
        .append(Long.toUnsignedString(v + len));
  }

  private void add(long b, long len, long id, long v) {
    if (n == dataBegin.length) {
      int c = n * 2;
      dataBegin = Arrays.copyOf(dataBegin, c);
      length = Arrays.copyOf(length, c);
      dev = Arrays.copyOf(dev, c);
      thinBegin = Arrays.copyOf(thinBegin, c);
    }
    dataBegin[n] = b;
    length[n] = len;
    dev[n] = id;
    thinBegin[n] = v;
    n++;
  }

  private int compare(int x, int y) {
    int r = Long.compareUnsigned(dataBegin[x], dataBegin[y]);
    if (r == 0) {
      r = Long.compareUnsigned(dataBegin[x] + length[x], dataBegin[y] + length[y]);
    }
    if (r == 0) {
      r = Long.compareUnsigned(dev[x], dev[y]);
    }
    if (r == 0) {
      r = Long.compareUnsigned(thinBegin[x], thinBegin[y]);
    }
    return r;
  }

  /** A stable bottom-up merge sort of run indexes (no boxing: runs can be many millions). */
  private void sort() {
    int[] a = new int[n];
    int[] t = new int[n];
    for (int i = 0; i < n; i++) {
      a[i] = i;
    }
    // Runs arrive per device in virtual order; start from naturally sorted stretches of 32.
    for (int lo = 0; lo < n; lo += 32) {
      int hi = Math.min(n, lo + 32);
      for (int i = lo + 1; i < hi; i++) {
        int v = a[i];
        int j = i - 1;
        while (j >= lo && compare(a[j], v) > 0) {
          a[j + 1] = a[j];
          j--;
        }
        a[j + 1] = v;
      }
    }
    for (int width = 32; width < n; width *= 2) {
      for (int lo = 0; lo < n; lo += 2 * width) {
        int mid = Math.min(n, lo + width);
        int hi = Math.min(n, lo + 2 * width);
        if (mid >= hi || compare(a[mid - 1], a[mid]) <= 0) {
          System.arraycopy(a, lo, t, lo, hi - lo);
          continue;
        }
        int i = lo;
        int j = mid;
        int k = lo;
        while (i < mid && j < hi) {
          t[k++] = compare(a[i], a[j]) <= 0 ? a[i++] : a[j++];
        }
        while (i < mid) {
          t[k++] = a[i++];
        }
        while (j < hi) {
          t[k++] = a[j++];
        }
      }
      int[] swap = a;
      a = t;
      t = swap;
    }
    long[] b = new long[n];
    long[] l = new long[n];
    long[] d = new long[n];
    long[] v = new long[n];
    for (int i = 0; i < n; i++) {
      int j = a[i];
      b[i] = dataBegin[j];
      l[i] = length[j];
      d[i] = dev[j];
      v[i] = thinBegin[j];
    }
    dataBegin = b;
    length = l;
    dev = d;
    thinBegin = v;
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
