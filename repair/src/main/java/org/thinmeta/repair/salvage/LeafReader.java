package org.thinmeta.repair.salvage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import org.thinmeta.pdata.btree.Node;
import org.thinmeta.pdata.checksum.BlockKind;
import org.thinmeta.pdata.checksum.Checksums;
import org.thinmeta.pdata.io.BlockDevice;
import org.thinmeta.thin.format.DeviceDetails;

/**
 * Reads the entries of leaves the scan found valid, sorted by key, with a small cache. A block
 * whose checksum no longer verifies means the input changed under us: that is an error.
 */
final class LeafReader {
  /** The entries of an 8-byte leaf, sorted by key. */
  record Entries(long[] keys, long[] values) {
    int size() {
      return keys.length;
    }

    /** Index of {@code key}, or -1. */
    int find(long key) {
      int lo = 0;
      int hi = keys.length - 1;
      while (lo <= hi) {
        int mid = (lo + hi) >>> 1;
        int c = Long.compareUnsigned(keys[mid], key);
        if (c == 0) {
          return mid;
        }
        if (c < 0) {
          lo = mid + 1;
        } else {
          hi = mid - 1;
        }
      }
      return -1;
    }
  }

  /** The entries of a device-details leaf, sorted by key. */
  record DetailsEntries(long[] keys, DeviceDetails[] details) {}

  private static final int CACHE = 512;

  private final BlockDevice dev;
  private final ScanResult scan;
  private final Map<Integer, Entries> cache =
      new LinkedHashMap<>(CACHE * 2, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<Integer, Entries> e) {
          return size() > CACHE;
        }
      };

  LeafReader(BlockDevice dev, ScanResult scan) {
    this.dev = dev;
    this.scan = scan;
  }

  /** The entries of the 8-byte leaf {@code n}, through the cache. */
  Entries cached(int n) throws IOException {
    Entries e = cache.get(n);
    if (e == null) {
      e = read(n);
      cache.put(n, e);
    }
    return e;
  }

  /** The entries of the 8-byte leaf {@code n}. */
  Entries read(int n) throws IOException {
    int nr = scan.nrEntries(n);
    long[] k = new long[nr];
    long[] v = new long[nr];
    if (scan.hasAux(n)) {
      for (int i = 0; i < nr; i++) {
        k[i] = scan.auxKey(n, i);
        v[i] = scan.auxValue(n, i);
      }
      return new Entries(k, v);
    }
    Node node = node(n);
    for (int i = 0; i < nr; i++) {
      k[i] = node.key(i);
      v[i] = node.valueU64(i);
    }
    if (scan.isUnsorted(n)) {
      sort(k, v);
    }
    return new Entries(k, v);
  }

  /** The entries of the device-details leaf {@code n}. */
  DetailsEntries details(int n) throws IOException {
    int nr = scan.nrEntries(n);
    Node node = node(n);
    long[] k = new long[nr];
    DeviceDetails[] d = new DeviceDetails[nr];
    Integer[] order = new Integer[nr];
    for (int i = 0; i < nr; i++) {
      order[i] = i;
    }
    java.util.Arrays.sort(order, (a, b) -> Long.compareUnsigned(node.key(a), node.key(b)));
    for (int i = 0; i < nr; i++) {
      k[i] = node.key(order[i]);
      d[i] = DeviceDetails.decode(node.block(), node.valueOffset(order[i]));
    }
    return new DetailsEntries(k, d);
  }

  /**
   * Feeds the entries of the 8-byte leaf {@code n} to {@code sink} in key order, without copying
   * them first (for the emission of big pools).
   */
  void forEach(int n, EntrySink sink) throws IOException {
    if (scan.isUnsorted(n) || scan.hasAux(n)) {
      Entries e = read(n);
      for (int i = 0; i < e.size(); i++) {
        sink.accept(e.keys()[i], e.values()[i]);
      }
      return;
    }
    Node node = node(n);
    ByteBuffer b = node.block();
    int nr = scan.nrEntries(n);
    int values = node.valueOffset(0);
    for (int i = 0; i < nr; i++) {
      sink.accept(b.getLong(32 + 8 * i), b.getLong(values + 8 * i));
    }
  }

  /** Receives leaf entries. */
  interface EntrySink {
    void accept(long key, long value) throws IOException;
  }

  private Node node(int n) throws IOException {
    long loc = scan.location(n);
    ByteBuffer b = dev.read(loc);
    if (!Checksums.verify(b, BlockKind.NODE)) {
      throw new IOException("metadata block " + loc + " changed during repair");
    }
    return Node.decode(loc, b);
  }

  private static void sort(long[] k, long[] v) {
    for (int i = 1; i < k.length; i++) {
      long key = k[i];
      long val = v[i];
      int j = i - 1;
      while (j >= 0 && Long.compareUnsigned(k[j], key) > 0) {
        k[j + 1] = k[j];
        v[j + 1] = v[j];
        j--;
      }
      k[j + 1] = key;
      v[j + 1] = val;
    }
  }
}
