package org.thinmeta.pdata.btree;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.thinmeta.pdata.btree.NodeBlocks.internal;
import static org.thinmeta.pdata.btree.NodeBlocks.keys;
import static org.thinmeta.pdata.btree.NodeBlocks.leaf;
import static org.thinmeta.pdata.btree.NodeBlocks.of;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.thinmeta.pdata.damage.Damage;
import org.thinmeta.pdata.io.MemoryBlockDevice;

/** Visiting order, sharing and reference counting of {@link BTreeWalker}. */
class BTreeWalkerTest {
  /** Records every callback as a string. */
  private static final class Recorder implements BTreeWalker.Visitor {
    final List<String> events = new ArrayList<>();

    @Override
    public void leaf(Node leaf, KeyRange range) {
      events.add("leaf " + leaf.location() + " " + range + " first " + leaf.key(0));
    }

    @Override
    public void internal(Node node, KeyRange range) {
      events.add("internal " + node.location() + " " + range);
    }

    @Override
    public void shared(long location, boolean damaged) {
      events.add("shared " + location + (damaged ? " damaged" : ""));
    }
  }

  /** Two trees: 1 over leaves 2, 3 and 4 over leaves 2, 5 (leaf 2 shared). */
  private static MemoryBlockDevice twoTreesSharingLeaf2() throws IOException {
    return NodeBlocks.device(
        10,
        internal(1, of(0, 100), of(2, 3)),
        leaf(2, keys(0, 84)),
        leaf(3, keys(100, 84)),
        internal(4, of(0, 300), of(2, 5)),
        leaf(5, keys(300, 84)));
  }

  @Test
  void visitsDepthFirst_childrenInKeyOrder() throws IOException {
    Recorder rec = new Recorder();
    MemoryBlockDevice dev = twoTreesSharingLeaf2();

    boolean ok =
        new BTreeWalker(dev, 10, d -> {}, NodeChecks.Policy.STRICT, null, null).walk(1, 8, rec);

    assertTrue(ok);
    assertEquals(
        List.of("internal 1 [0..-]", "leaf 2 [0..100] first 0", "leaf 3 [100..-] first 100"),
        rec.events);
  }

  @Test
  void walk_withARange_narrowsTheRootRange() throws IOException {
    Recorder rec = new Recorder();
    List<Damage> damage = new ArrayList<>();

    boolean ok =
        new BTreeWalker(
                twoTreesSharingLeaf2(), 10, damage::add, NodeChecks.Policy.STRICT, null, null)
            .walk(1, 8, new KeyRange(0, 150, true), rec);

    assertFalse(ok);
    assertEquals(
        List.of(
            new Damage.BadNode(
                3, NodeFault.KEY_OUT_OF_RANGE, "key 150", new KeyRange(100, 150, true))),
        damage);
  }

  @Test
  void seenSet_expandsASharedNodeOnce_butCountsEveryReference() throws IOException {
    MemoryBlockDevice dev = twoTreesSharingLeaf2();
    AtomicBitSet seen = new AtomicBitSet(10);
    int[] counts = new int[10];
    Recorder rec = new Recorder();
    BTreeWalker w =
        new BTreeWalker(
            dev, 10, d -> {}, NodeChecks.Policy.STRICT, loc -> counts[(int) loc]++, seen);

    assertTrue(w.walk(1, 8, rec));
    assertTrue(w.walk(4, 8, rec));

    assertEquals(
        List.of(
            "internal 1 [0..-]",
            "leaf 2 [0..100] first 0",
            "leaf 3 [100..-] first 100",
            "internal 4 [0..-]",
            "shared 2",
            "leaf 5 [300..-] first 300"),
        rec.events);
    assertEquals(List.of(0, 1, 2, 1, 1, 1, 0, 0, 0, 0), toList(counts));
    assertTrue(seen.get(5));
    assertFalse(seen.get(6));
  }

  @Test
  void seenSet_aDamagedSharedNodeIsReportedOnce_andFailsEveryTreeReachingIt() throws IOException {
    MemoryBlockDevice dev = twoTreesSharingLeaf2();
    ByteBuffer bad = leaf(2, keys(0, 84));
    bad.put(4000, (byte) 1);
    dev.write(2, bad);
    List<Damage> damage = new ArrayList<>();
    Recorder rec = new Recorder();
    BTreeWalker w =
        new BTreeWalker(dev, 10, damage::add, NodeChecks.Policy.STRICT, null, new AtomicBitSet(10));

    assertFalse(w.walk(1, 8, rec));
    assertFalse(w.walk(4, 8, rec));

    assertEquals(1, damage.size());
    assertEquals(2, damage.get(0).location());
    assertTrue(rec.events.contains("shared 2 damaged"), rec.events::toString);
  }

  @Test
  void withoutSeenSet_sharedNodesAreVisitedEveryTime() throws IOException {
    MemoryBlockDevice dev = twoTreesSharingLeaf2();
    Recorder rec = new Recorder();
    BTreeWalker w = new BTreeWalker(dev, 10, d -> {}, NodeChecks.Policy.STRICT, null, null);

    w.walk(1, 8, rec);
    w.walk(4, 8, rec);

    assertEquals(2, rec.events.stream().filter(e -> e.startsWith("leaf 2 ")).count());
  }

  @Test
  void atomicBitSet_markReportsTheFirstCallerOnly() {
    AtomicBitSet s = new AtomicBitSet(130);

    assertTrue(s.mark(129));
    assertFalse(s.mark(129));
    assertTrue(s.get(129));
    assertFalse(s.get(128));
    assertEquals(130, s.size());
  }

  private static List<Integer> toList(int[] a) {
    List<Integer> l = new ArrayList<>();
    for (int v : a) {
      l.add(v);
    }
    return l;
  }
}
