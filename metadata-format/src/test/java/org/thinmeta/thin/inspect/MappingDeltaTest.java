package org.thinmeta.thin.inspect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Random;
import java.util.TreeMap;
import java.util.TreeSet;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.thinmeta.pdata.damage.CorruptMetadataException;
import org.thinmeta.pdata.io.MemoryBlockDevice;

class MappingDeltaTest {
  /** One output element. */
  record El(MappingDelta.Kind kind, long begin, long ld, long rd, long len) {}

  static List<El> delta(MemoryBlockDevice dev, long l, long r, boolean verbose, int threads)
      throws Exception {
    List<El> out = new ArrayList<>();
    DeltaMerger m =
        new DeltaMerger((k, b, ld, rd, len) -> out.add(new El(k, b, ld, rd, len)), verbose);
    MappingDelta.load(dev, dev.nrBlocks(), l, r, threads).run(m);
    m.flush();
    return out;
  }

  /** The definition: per-block kinds, joined where kind (and, verbose, data) continue. */
  static List<El> naive(Map<Long, Long> left, Map<Long, Long> right, boolean verbose) {
    TreeSet<Long> keys = new TreeSet<>(left.keySet());
    keys.addAll(right.keySet());
    List<El> out = new ArrayList<>();
    El cur = null;
    for (long v : keys) {
      Long ld = left.get(v);
      Long rd = right.get(v);
      MappingDelta.Kind k =
          ld == null
              ? MappingDelta.Kind.RIGHT_ONLY
              : rd == null
                  ? MappingDelta.Kind.LEFT_ONLY
                  : ld.equals(rd) ? MappingDelta.Kind.SAME : MappingDelta.Kind.DIFFERENT;
      long l = ld == null ? 0 : ld;
      long r = rd == null ? 0 : rd;
      if (cur != null && cur.kind == k && cur.begin + cur.len == v) {
        boolean lc = l == cur.ld + cur.len;
        boolean rc = r == cur.rd + cur.len;
        boolean cont =
            !verbose
                || switch (k) {
                  case LEFT_ONLY -> lc;
                  case RIGHT_ONLY -> rc;
                  default -> lc && rc;
                };
        if (cont) {
          cur = new El(k, cur.begin, cur.ld, cur.rd, cur.len + 1);
          continue;
        }
      }
      if (cur != null) {
        out.add(cur);
      }
      cur = new El(k, v, l, r, 1);
    }
    if (cur != null) {
      out.add(cur);
    }
    return out;
  }

  /** Splits mappings into leaves of up to {@code per} entries; returns {firstKey, block} list. */
  static List<long[]> leaves(TreeBuilder b, NavigableMap<Long, Long> m, int per) throws Exception {
    List<long[]> out = new ArrayList<>();
    List<Long> keys = new ArrayList<>(m.keySet());
    for (int i = 0; i < keys.size(); i += per) {
      NavigableMap<Long, Long> part =
          m.subMap(keys.get(i), true, keys.get(Math.min(i + per, keys.size()) - 1), true);
      out.add(new long[] {keys.get(i), b.leaf(part)});
    }
    return out;
  }

  @Property(tries = 150)
  void delta_equalsThePerBlockDefinition_withSharedLeaves(
      @ForAll @IntRange(min = 0, max = 600) int n,
      @ForAll @IntRange(min = 0, max = 40) int changes,
      @ForAll @IntRange(min = 1, max = 1 << 20) int seed,
      @ForAll boolean verbose)
      throws Exception {
    Random r = new Random(seed);
    NavigableMap<Long, Long> origin = new TreeMap<>();
    long v = 0;
    long d = 1000;
    for (int i = 0; i < n; i++) {
      v += 1 + (r.nextInt(5) == 0 ? r.nextInt(20) : 0);
      d = r.nextInt(4) == 0 ? r.nextInt(100_000) : d + 1;
      origin.put(v, d);
    }
    TreeBuilder b = new TreeBuilder(4096);
    int per = 8 + r.nextInt(30);
    List<long[]> originLeaves = leaves(b, origin, per);
    // The snapshot shares the origin's leaves except those touched by its changes.
    NavigableMap<Long, Long> snap = new TreeMap<>(origin);
    TreeSet<Integer> touched = new TreeSet<>();
    for (int c = 0; c < changes && !originLeaves.isEmpty(); c++) {
      int li = r.nextInt(originLeaves.size());
      touched.add(li);
    }
    List<long[]> snapLeaves = new ArrayList<>();
    for (int li = 0; li < originLeaves.size(); li++) {
      if (!touched.contains(li)) {
        snapLeaves.add(originLeaves.get(li));
        continue;
      }
      long from = originLeaves.get(li)[0];
      long to = li + 1 < originLeaves.size() ? originLeaves.get(li + 1)[0] : Long.MAX_VALUE;
      NavigableMap<Long, Long> part = new TreeMap<>(snap.subMap(from, true, to, false));
      int edits = 1 + r.nextInt(4);
      for (int e = 0; e < edits && !part.isEmpty(); e++) {
        long key = new ArrayList<>(part.keySet()).get(r.nextInt(part.size()));
        switch (r.nextInt(3)) {
          case 0 -> part.remove(key);
          case 1 -> part.put(key, 500_000L + r.nextInt(1000));
          default -> {
            long nk = key + 1;
            if (nk < to && !part.containsKey(nk)) {
              part.put(nk, 700_000L + r.nextInt(1000));
            }
          }
        }
      }
      snap.subMap(from, true, to, false).clear();
      snap.putAll(part);
      if (!part.isEmpty()) {
        snapLeaves.add(new long[] {part.firstKey(), b.leaf(part)});
      }
    }
    long lroot = b.tree(originLeaves, 3 + r.nextInt(5));
    long rroot = b.tree(snapLeaves, 3 + r.nextInt(5));

    int threads = 1 + r.nextInt(3);
    assertEquals(naive(origin, snap, verbose), delta(b.dev, lroot, rroot, verbose, threads));
    assertEquals(naive(snap, origin, verbose), delta(b.dev, rroot, lroot, verbose, threads));
  }

  @Test
  void sharedLeaves_areReadOnceAndNotCompared() throws Exception {
    TreeBuilder b = new TreeBuilder(64);
    NavigableMap<Long, Long> m1 = new TreeMap<>();
    NavigableMap<Long, Long> m2 = new TreeMap<>();
    NavigableMap<Long, Long> m3 = new TreeMap<>();
    for (long i = 0; i < 100; i++) {
      m1.put(i, 1000 + i);
      m2.put(200 + i, 2000 + i);
      m3.put(200 + i, 3000 + i);
    }
    long a = b.leaf(m1);
    long shared = b.leaf(m2);
    long other = b.leaf(m3);
    long left = b.internal(new long[] {0, 200}, new long[] {a, shared});
    long right = b.internal(new long[] {0, 200}, new long[] {a, other});
    MappingDelta d = MappingDelta.load(b.dev, 64, left, right);
    List<El> out = new ArrayList<>();

    MappingDelta.Stats s = d.run((k, bg, ld, rd, len) -> out.add(new El(k, bg, ld, rd, len)));

    assertEquals(3, s.leavesRead());
    assertEquals(1, s.sharedLeavesSkipped());
    assertEquals(new El(MappingDelta.Kind.SAME, 0, 1000, 1000, 100), out.get(0));
    assertEquals(new El(MappingDelta.Kind.DIFFERENT, 200, 2000, 3000, 1), out.get(1));
    assertEquals(101, out.size());
  }

  @Test
  void xml_plainAndVerbose_layout() throws Exception {
    TreeBuilder b = new TreeBuilder(16);
    NavigableMap<Long, Long> l = new TreeMap<>(Map.of(0L, 10L, 1L, 11L, 2L, 50L, 5L, 7L));
    NavigableMap<Long, Long> r = new TreeMap<>(Map.of(0L, 10L, 1L, 11L, 2L, 12L, 9L, 3L));
    long lr = b.leaf(l);
    long rr = b.leaf(r);

    assertEquals(
        "<superblock uuid=\"\" time=\"3\" transaction=\"7\" data_block_size=\"128\""
            + " nr_data_blocks=\"1024\">\n"
            + "  <diff left=\"1\" right=\"2\">\n"
            + "    <same begin=\"0\" length=\"2\"/>\n"
            + "    <different begin=\"2\" length=\"1\"/>\n"
            + "    <left_only begin=\"5\" length=\"1\"/>\n"
            + "    <right_only begin=\"9\" length=\"1\"/>\n"
            + "  </diff>\n"
            + "</superblock>\n",
        xml(b, lr, rr, false, 0));
    assertEquals(
        "<superblock uuid=\"\" time=\"3\" transaction=\"7\" flags=\"1\" data_block_size=\"128\""
            + " nr_data_blocks=\"1024\">\n"
            + "  <diff left=\"1\" right=\"2\">\n"
            + "    <same>\n"
            + "      <range begin=\"0\" data_begin=\"10\" length=\"2\"/>\n"
            + "    </same>\n"
            + "    <different>\n"
            + "      <range begin=\"2\" left_data_begin=\"50\" right_data_begin=\"12\""
            + " length=\"1\"/>\n"
            + "    </different>\n"
            + "    <left_only>\n"
            + "      <range begin=\"5\" data_begin=\"7\" length=\"1\"/>\n"
            + "    </left_only>\n"
            + "    <right_only>\n"
            + "      <range begin=\"9\" data_begin=\"3\" length=\"1\"/>\n"
            + "    </right_only>\n"
            + "  </diff>\n"
            + "</superblock>\n",
        xml(b, lr, rr, true, 1));
  }

  static String xml(TreeBuilder b, long lr, long rr, boolean verbose, int flags) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    DeltaXmlWriter w = new DeltaXmlWriter(out, verbose);
    w.begin(3, 7, flags, 128, 1024, "left=\"1\"", "right=\"2\"");
    DeltaMerger m = new DeltaMerger(w, verbose);
    MappingDelta.load(b.dev, b.dev.nrBlocks(), lr, rr).run(m);
    m.flush();
    w.end();
    return out.toString(StandardCharsets.US_ASCII);
  }

  @Test
  void damagedLeaf_isReportedAsCorruptMetadata() throws Exception {
    TreeBuilder b = new TreeBuilder(16);
    long l = b.leaf(new TreeMap<>(Map.of(1L, 1L)));
    long r = b.leaf(new TreeMap<>(Map.of(1L, 2L)));
    long root = b.internal(new long[] {0, 5}, new long[] {l, r});
    var block = b.dev.read(r);
    block.put(100, (byte) 1);
    b.dev.write(r, block);
    MappingDelta d = MappingDelta.load(b.dev, 16, root, l);

    CorruptMetadataException e =
        assertThrows(CorruptMetadataException.class, () -> d.run((k, x, y, z, len) -> {}));
    assertEquals("checksum error at block " + r + ", keys [5..-]", e.getMessage());
  }
}
