package org.thinmeta.pdata.build;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.thinmeta.pdata.io.MemoryBlockDevice;

class BTreeBuilderTest {
  private static long value(long k) {
    return k * 31 + 7;
  }

  private static long build(MetadataSpace space, long n, int valueSize) throws IOException {
    BTreeBuilder b = new BTreeBuilder(space, valueSize);
    for (long k = 0; k < n; k++) {
      b.add(3 * k + 1, valueSize == 4 ? (int) value(k) : value(k));
    }
    return b.finish();
  }

  @ParameterizedTest
  @ValueSource(longs = {0, 1, 125, 126, 252, 253, 377, 378, 504, 505, 600, 63504, 63505, 100000})
  void build_fullLeavesBalancedTail_andExactRefCounts(long n) throws IOException {
    MemoryBlockDevice dev = new MemoryBlockDevice(2000);
    MetadataSpace space = new MetadataSpace(dev);
    space.reserve(0);
    long root = build(space, n, 8);
    Map<Long, Long> refs = new HashMap<>();
    refs.put(0L, 1L);
    Trees.Walk w = Trees.walk(dev, root, 8, refs);
    assertEquals(n, w.entries().size());
    for (int i = 0; i < n; i++) {
      assertArrayEquals(new long[] {3L * i + 1, value(i)}, w.entries().get(i));
    }
    List<Integer> sizes = w.leafSizes();
    for (int i = 0; i < sizes.size() - 2; i++) {
      assertEquals(252, sizes.get(i), "leaves before the last two are full");
    }
    assertEquals(Math.max(1, (n + 251) / 252), sizes.size(), "as few leaves as possible");
    for (long b = 0; b < space.nrBlocks(); b++) {
      assertEquals(refs.getOrDefault(b, 0L), space.count(b), "count of block " + b);
    }
    assertEquals(refs.size(), space.nrAllocated());
  }

  @Test
  void addRun_writesTheSameImageAsSingleAdds() throws IOException {
    java.util.Random rnd = new java.util.Random(3);
    MemoryBlockDevice a = new MemoryBlockDevice(300);
    MemoryBlockDevice b = new MemoryBlockDevice(300);
    BTreeBuilder one = new BTreeBuilder(new MetadataSpace(a), 8);
    BTreeBuilder runs = new BTreeBuilder(new MetadataSpace(b), 8);
    long key = 5;
    for (int r = 0; r < 300; r++) {
      int n = rnd.nextInt(5) == 0 ? 1 + rnd.nextInt(700) : 1 + rnd.nextInt(4);
      long value = rnd.nextLong() >>> 8;
      for (int i = 0; i < n; i++) {
        one.add(key + i, value + ((long) i << 24));
      }
      runs.addRun(key, value, n, 1L << 24);
      key += n + rnd.nextInt(3);
    }
    long last = key;
    BTreeBuilder more = new BTreeBuilder(new MetadataSpace(new MemoryBlockDevice(10)), 8);
    more.addRun(last, 0, 3, 1);
    assertThrows(IllegalArgumentException.class, () -> more.addRun(last + 2, 0, 1, 1));
    assertEquals(one.finish(), runs.finish());
    assertArrayEquals(a.toByteArray(), b.toByteArray());
  }

  @Test
  void build_600_givesLeavesOf252_174_174() throws IOException {
    MemoryBlockDevice dev = new MemoryBlockDevice(100);
    MetadataSpace space = new MetadataSpace(dev);
    long root = build(space, 600, 8);
    Trees.Walk w = Trees.walk(dev, root, 8, null);
    assertEquals(List.of(252, 174, 174), w.leafSizes());
    assertEquals(1, w.depth());
  }

  @Test
  void build_refCountValues_andWideValues() throws IOException {
    MemoryBlockDevice dev = new MemoryBlockDevice(100);
    MetadataSpace space = new MetadataSpace(dev);
    long root = build(space, 1000, 4);
    Trees.Walk w = Trees.walk(dev, root, 4, null);
    assertEquals(List.of(336, 336, 328), w.leafSizes());
    assertEquals((int) value(999), (int) w.entries().get(999)[1]);

    BTreeBuilder b = new BTreeBuilder(space, 24);
    byte[] v = new byte[24];
    for (int k = 0; k < 200; k++) {
      v[0] = (byte) k;
      b.add(k, v, 0);
    }
    Trees.Walk w24 = Trees.walk(dev, b.finish(), 24, null);
    assertEquals(List.of(126, 74), w24.leafSizes());
    assertEquals(199, w24.entries().get(199)[1] & 0xff);
  }

  @Test
  void build_outOfSpace_throwsTheToolsMessage() {
    MetadataSpace space = new MetadataSpace(new MemoryBlockDevice(3));
    IOException e = assertThrows(IOException.class, () -> build(space, 2000, 8));
    assertEquals("out of metadata space", e.getMessage());
  }

  @Test
  void add_keysNotIncreasing_rejected() throws IOException {
    BTreeBuilder b = new BTreeBuilder(new MetadataSpace(new MemoryBlockDevice(10)), 8);
    b.add(5, 1);
    assertThrows(IllegalArgumentException.class, () -> b.add(5, 2));
    assertThrows(IllegalArgumentException.class, () -> b.add(4, 2));
  }

  @Test
  void splice_fullDefLeaves_areSharedNotCopied() throws IOException {
    MemoryBlockDevice dev = new MemoryBlockDevice(100);
    MetadataSpace space = new MetadataSpace(dev);
    List<LeafRef> def = new ArrayList<>();
    BTreeBuilder d = BTreeBuilder.leavesOnly(space, 8, def);
    for (int k = 1000; k < 1600; k++) {
      d.add(k, value(k));
    }
    assertEquals(-1, d.finish());
    assertEquals(3, def.size());
    List<long[]> copies = new ArrayList<>();
    BTreeBuilder t = new BTreeBuilder(space, (k, v) -> copies.add(new long[] {k, v}));
    for (int k = 0; k < 300; k++) {
      t.add(k, value(k));
    }
    for (LeafRef l : def) {
      t.splice(l);
    }
    long root = t.finish();
    Trees.Walk w = Trees.walk(dev, root, 8, null);
    assertEquals(900, w.entries().size());
    assertEquals(0, copies.size());
    for (LeafRef l : def) {
      assertEquals(2, space.count(l.block()), "temporary + one tree");
    }
  }

  @Test
  void splice_smallLeafFollowedByEntries_isCopied() throws IOException {
    MemoryBlockDevice dev = new MemoryBlockDevice(100);
    MetadataSpace space = new MetadataSpace(dev);
    List<LeafRef> def = new ArrayList<>();
    BTreeBuilder d = BTreeBuilder.leavesOnly(space, 8, def);
    for (int k = 0; k < 10; k++) {
      d.add(k, value(k));
    }
    d.finish();
    List<long[]> copies = new ArrayList<>();
    BTreeBuilder t = new BTreeBuilder(space, (k, v) -> copies.add(new long[] {k, v}));
    t.splice(def.get(0));
    for (int k = 10; k < 400; k++) {
      t.add(k, value(k));
    }
    Trees.Walk w = Trees.walk(dev, t.finish(), 8, null);
    assertEquals(400, w.entries().size());
    assertEquals(10, copies.size());
    assertEquals(1, space.count(def.get(0).block()), "only the temporary reference");
  }

  @Test
  void splice_smallLeafAlone_becomesTheRoot() throws IOException {
    MemoryBlockDevice dev = new MemoryBlockDevice(100);
    MetadataSpace space = new MetadataSpace(dev);
    List<LeafRef> def = new ArrayList<>();
    BTreeBuilder d = BTreeBuilder.leavesOnly(space, 8, def);
    d.add(7, 70);
    d.finish();
    BTreeBuilder t = new BTreeBuilder(space, (k, v) -> {});
    t.splice(def.get(0));
    assertEquals(def.get(0).block(), t.finish());
    assertEquals(2, space.count(def.get(0).block()));
  }
}
