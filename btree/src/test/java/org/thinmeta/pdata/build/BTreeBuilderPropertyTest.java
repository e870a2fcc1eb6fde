package org.thinmeta.pdata.build;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.thinmeta.pdata.io.MemoryBlockDevice;

/**
 * Trees made of added entries and spliced shared leaves: content, shape and reference counts.
 * Segment i covers keys [i * 10000, i * 10000 + size); each tree takes some segments, either as its
 * own entries or by splicing segment i's shared leaves.
 */
class BTreeBuilderPropertyTest {
  private static long value(long k) {
    return (k << 24) | 5;
  }

  @Property(tries = 300)
  void splicedTrees_holdEveryEntry_nodesHalfFull_countsExact(
      @ForAll @Size(min = 1, max = 8) List<@IntRange(min = 0, max = 700) Integer> segmentSizes,
      @ForAll @Size(min = 1, max = 4) List<@IntRange(min = 0, max = 1 << 16) Integer> plans)
      throws IOException {
    MemoryBlockDevice dev = new MemoryBlockDevice(4000);
    MetadataSpace space = new MetadataSpace(dev);
    space.reserve(0);
    int nSeg = segmentSizes.size();
    List<List<LeafRef>> defs = new ArrayList<>();
    Map<Long, Long> valueRefs = new HashMap<>();
    for (int i = 0; i < nSeg; i++) {
      List<LeafRef> leaves = new ArrayList<>();
      BTreeBuilder d = BTreeBuilder.leavesOnly(space, 8, leaves);
      for (int k = 0; k < segmentSizes.get(i); k++) {
        long key = i * 10000L + k;
        d.add(key, value(key));
        valueRefs.merge(value(key), 1L, Long::sum);
      }
      d.finish();
      defs.add(leaves);
    }
    List<Long> roots = new ArrayList<>();
    List<List<long[]>> expected = new ArrayList<>();
    for (int plan : plans) {
      List<long[]> exp = new ArrayList<>();
      BTreeBuilder t = new BTreeBuilder(space, (k, v) -> valueRefs.merge(v, 1L, Long::sum));
      for (int i = 0; i < nSeg; i++) {
        int mode = (plan >>> (2 * i)) & 3;
        if (mode == 0) {
          continue;
        }
        for (int k = 0; k < segmentSizes.get(i); k++) {
          long key = i * 10000L + k;
          exp.add(new long[] {key, value(key)});
          if (mode == 1) {
            t.add(key, value(key));
            valueRefs.merge(value(key), 1L, Long::sum);
          }
        }
        if (mode != 1) {
          for (LeafRef l : defs.get(i)) {
            t.splice(l);
          }
        }
      }
      roots.add(t.finish());
      expected.add(exp);
    }

    Map<Long, Long> refs = new HashMap<>();
    refs.put(0L, 1L);
    Set<Long> leaves = new HashSet<>();
    for (int j = 0; j < roots.size(); j++) {
      Trees.Walk w = Trees.walk(dev, roots.get(j), 8, refs);
      assertEquals(expected.get(j).size(), w.entries().size());
      for (int i = 0; i < w.entries().size(); i++) {
        assertArrayEquals(expected.get(j).get(i), w.entries().get(i));
      }
    }
    for (List<LeafRef> d : defs) {
      for (LeafRef l : d) {
        refs.merge(l.block(), 1L, Long::sum);
      }
    }
    for (long b = 0; b < space.nrBlocks(); b++) {
      assertEquals(refs.getOrDefault(b, 0L), space.count(b), "count of block " + b);
    }
    // Every distinct leaf holds one reference to each value it maps.
    Map<Long, Long> fromLeaves = new HashMap<>();
    for (long b : refs.keySet()) {
      if (b == 0 || leaves.contains(b)) {
        continue;
      }
      org.thinmeta.pdata.btree.Node n = org.thinmeta.pdata.btree.Node.decode(b, dev.read(b));
      if (n.isLeaf()) {
        leaves.add(b);
        for (int i = 0; i < n.nrEntries(); i++) {
          fromLeaves.merge(n.valueU64(i), 1L, Long::sum);
        }
      }
    }
    assertEquals(fromLeaves, valueRefs);
  }
}
