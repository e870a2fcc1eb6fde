package org.thinmeta.pdata.btree;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.thinmeta.pdata.btree.NodeBlocks.internal;
import static org.thinmeta.pdata.btree.NodeBlocks.keys;
import static org.thinmeta.pdata.btree.NodeBlocks.leaf;
import static org.thinmeta.pdata.btree.NodeBlocks.node;
import static org.thinmeta.pdata.btree.NodeBlocks.of;
import static org.thinmeta.pdata.btree.NodeBlocks.stamp;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.thinmeta.pdata.btree.NodeBlocks.Walk;
import org.thinmeta.pdata.checksum.BlockKind;
import org.thinmeta.pdata.checksum.Checksums;
import org.thinmeta.pdata.damage.Damage;
import org.thinmeta.pdata.damage.Severity;
import org.thinmeta.pdata.io.MemoryBlockDevice;

/**
 * One test per node-validation rule of format doc §3.7. Each builds the same small sound tree,
 * breaks exactly one rule in one node, walks it and expects exactly one piece of damage.
 *
 * <p>The tree: root internal node at block 1 with keys {0, 100}; leaf 2 holds keys 0..83, leaf 3
 * holds keys 100..183 (84 entries each, so even the strict policy accepts it).
 */
class NodeRulesTest {
  private static final int NR_BLOCKS = 10;
  private static final KeyRange LEFT = new KeyRange(0, 100, true);
  private static final KeyRange RIGHT = new KeyRange(100, 0, false);

  private static ByteBuffer root() {
    return internal(1, of(0, 100), of(2, 3));
  }

  private static ByteBuffer leftLeaf() {
    return leaf(2, keys(0, 84));
  }

  private static ByteBuffer rightLeaf() {
    return leaf(3, keys(100, 84));
  }

  /** The sound tree with block 3 replaced by {@code right}. */
  private static MemoryBlockDevice treeWithRight(ByteBuffer right) throws IOException {
    MemoryBlockDevice dev = NodeBlocks.device(NR_BLOCKS, root(), leftLeaf());
    dev.write(3, right);
    return dev;
  }

  private static Walk walk(MemoryBlockDevice dev) throws IOException {
    return NodeBlocks.walk(dev, 1, 8, NodeChecks.Policy.STRICT);
  }

  private static void assertFatal(Walk w, Damage expected, List<Long> leaves) {
    assertEquals(List.of(expected), w.damage());
    assertEquals(Severity.FATAL, w.damage().get(0).severity());
    assertFalse(w.ok());
    assertEquals(leaves, w.leaves());
  }

  @Test
  void soundTree_noDamage_everyLeafVisited() throws IOException {
    Walk w = walk(treeWithRight(rightLeaf()));

    assertEquals(List.of(), w.damage());
    assertTrue(w.ok());
    assertEquals(List.of(2L, 3L), w.leaves());
  }

  @Test
  void rule1_badChecksum() throws IOException {
    ByteBuffer right = rightLeaf();
    right.put(4000, (byte) 0x5a); // an unused byte: only the checksum is wrong

    Walk w = walk(treeWithRight(right));

    assertFatal(w, new Damage.BadNode(3, NodeFault.CHECKSUM, null, RIGHT), List.of(2L));
  }

  @Test
  void rule1_blockOfAnotherKind_isNotANode() throws IOException {
    ByteBuffer right = rightLeaf();
    Checksums.stamp(right, BlockKind.BITMAP);

    Walk w = walk(treeWithRight(right));

    assertFatal(w, new Damage.BadNode(3, NodeFault.NOT_A_NODE, "found BITMAP", RIGHT), List.of(2L));
  }

  @Test
  void rule2_blocknrMismatch() throws IOException {
    ByteBuffer right = leaf(7, keys(100, 84)); // claims block 7, stored at 3

    Walk w = walk(treeWithRight(right));

    assertFatal(
        w, new Damage.BadNode(3, NodeFault.BLOCKNR_MISMATCH, "claims 7", RIGHT), List.of(2L));
  }

  @Test
  void flags_bothInternalAndLeaf_isUnknownType() throws IOException {
    ByteBuffer right = rightLeaf();
    right.putInt(4, NodeHeader.INTERNAL | NodeHeader.LEAF);
    stamp(right);

    Walk w = walk(treeWithRight(right));

    assertFatal(w, new Damage.BadNode(3, NodeFault.BAD_FLAGS, "flags 3", RIGHT), List.of(2L));
  }

  @Test
  void flags_neitherInternalNorLeaf_isUnknownType() throws IOException {
    ByteBuffer right = rightLeaf();
    right.putInt(4, 0);
    stamp(right);

    Walk w = walk(treeWithRight(right));

    assertFatal(w, new Damage.BadNode(3, NodeFault.BAD_FLAGS, "flags 0", RIGHT), List.of(2L));
  }

  @Test
  void rule3_leafValueSizeMismatch() throws IOException {
    // A well-formed leaf of 16-byte values in a tree whose leaves hold 8-byte values.
    ByteBuffer right = node(NodeHeader.LEAF, 3, 168, 16, keys(100, 84), new long[84]);

    Walk w = walk(treeWithRight(right));

    assertFatal(
        w,
        new Damage.BadNode(3, NodeFault.VALUE_SIZE_MISMATCH, "expected 8, got 16", RIGHT),
        List.of(2L));
  }

  @Test
  void rule3_internalValueSizeMustBe8() throws IOException {
    ByteBuffer root = root();
    root.putInt(24, 16);
    stamp(root);
    MemoryBlockDevice dev = NodeBlocks.device(NR_BLOCKS, root, leftLeaf(), rightLeaf());

    Walk w = walk(dev);

    assertFatal(
        w,
        new Damage.BadNode(1, NodeFault.VALUE_SIZE_MISMATCH, "expected 8, got 16", KeyRange.ALL),
        List.of());
  }

  @Test
  void rule4_maxEntriesTooLarge() throws IOException {
    // 255 is divisible by 3, but 32 + 255 * 16 = 4112 > 4096.
    ByteBuffer right = node(NodeHeader.LEAF, 3, 255, 8, keys(100, 84), new long[84]);

    Walk w = walk(treeWithRight(right));

    assertFatal(
        w,
        new Damage.BadNode(3, NodeFault.MAX_ENTRIES_TOO_LARGE, "max_entries 255", RIGHT),
        List.of(2L));
  }

  @Test
  void rule5_nrEntriesAboveMaxEntries() throws IOException {
    ByteBuffer right = rightLeaf();
    right.putInt(16, 253);
    stamp(right);

    Walk w = walk(treeWithRight(right));

    assertFatal(
        w, new Damage.BadNode(3, NodeFault.NR_ENTRIES_TOO_LARGE, "253 > 252", RIGHT), List.of(2L));
  }

  @Test
  void rule6_maxEntriesNotDivisibleBy3_isNonFatal() throws IOException {
    ByteBuffer right = node(NodeHeader.LEAF, 3, 251, 8, keys(100, 84), new long[84]);

    Walk w = walk(treeWithRight(right));

    Damage expected =
        new Damage.BadNode(3, NodeFault.MAX_ENTRIES_NOT_DIVISIBLE_BY_3, "max_entries 251", RIGHT);
    assertEquals(List.of(expected), w.damage());
    assertEquals(Severity.NON_FATAL, expected.severity());
    assertTrue(w.ok());
    assertEquals(List.of(2L, 3L), w.leaves());
  }

  @Test
  void rule6_skippedWhenOnlyFatalRulesAreChecked() throws IOException {
    ByteBuffer right = node(NodeHeader.LEAF, 3, 251, 8, keys(100, 84), new long[84]);

    Walk w = NodeBlocks.walk(treeWithRight(right), 1, 8, NodeChecks.Policy.FATAL_ONLY);

    assertEquals(List.of(), w.damage());
  }

  @Test
  void rule7_underfullNonRoot_isNonFatal() throws IOException {
    ByteBuffer right = leaf(3, keys(100, 83)); // one below 252 / 3

    Walk w = walk(treeWithRight(right));

    Damage expected = new Damage.BadNode(3, NodeFault.UNDERFULL, "83 < 84", RIGHT);
    assertEquals(List.of(expected), w.damage());
    assertEquals(Severity.NON_FATAL, expected.severity());
    assertTrue(w.ok());
    assertEquals(List.of(2L, 3L), w.leaves());
  }

  @Test
  void rule7_rootMayBeUnderfull() throws IOException {
    MemoryBlockDevice dev = NodeBlocks.device(NR_BLOCKS, leaf(5, of(42)));

    Walk w = NodeBlocks.walk(dev, 5, 8, NodeChecks.Policy.STRICT);

    assertEquals(List.of(), w.damage());
    assertEquals(List.of(5L), w.leaves());
  }

  @Test
  void rule7_skippedWhenOnlyFatalRulesAreChecked() throws IOException {
    Walk w =
        NodeBlocks.walk(treeWithRight(leaf(3, keys(100, 10))), 1, 8, NodeChecks.Policy.FATAL_ONLY);

    assertEquals(List.of(), w.damage());
  }

  @Test
  void rule8_keysOutOfOrder() throws IOException {
    long[] k = keys(100, 84);
    k[40] = 141;
    k[41] = 140;

    Walk w = walk(treeWithRight(leaf(3, k)));

    assertFatal(
        w, new Damage.BadNode(3, NodeFault.KEYS_OUT_OF_ORDER, "140 <= 141", RIGHT), List.of(2L));
  }

  @Test
  void rule8_equalKeysAreOutOfOrder() throws IOException {
    long[] k = keys(100, 84);
    k[41] = k[40];

    Walk w = walk(treeWithRight(leaf(3, k)));

    assertFatal(
        w, new Damage.BadNode(3, NodeFault.KEYS_OUT_OF_ORDER, "140 <= 140", RIGHT), List.of(2L));
  }

  @Test
  void rule10_unreadableBlock_isIoError() throws IOException {
    // The walker believes the metadata has 20 blocks; the device has 10.
    MemoryBlockDevice dev =
        NodeBlocks.device(NR_BLOCKS, internal(1, of(0, 100), of(2, 15)), leftLeaf());
    List<Damage> damage = new java.util.ArrayList<>();

    boolean ok =
        new BTreeWalker(dev, 20, damage::add, NodeChecks.Policy.STRICT, null, null)
            .walk(1, 8, (leaf, range) -> {});

    assertFalse(ok);
    assertEquals(1, damage.size());
    Damage.BadNode d = (Damage.BadNode) damage.get(0);
    assertEquals(15, d.location());
    assertEquals(NodeFault.IO_ERROR, d.fault());
    assertEquals(RIGHT, d.keys());
    assertEquals(Severity.FATAL, d.severity());
  }

  @Test
  void emptyInternalNode() throws IOException {
    MemoryBlockDevice dev = NodeBlocks.device(NR_BLOCKS, internal(1, of(), of()));

    Walk w = walk(dev);

    assertFatal(w, new Damage.BadNode(1, NodeFault.EMPTY_INTERNAL, null, KeyRange.ALL), List.of());
  }

  @Test
  void keyAboveParentRange() throws IOException {
    long[] k = keys(0, 84);
    k[83] = 150; // belongs to the right child

    MemoryBlockDevice dev = NodeBlocks.device(NR_BLOCKS, root(), leaf(2, k), rightLeaf());
    Walk w = walk(dev);

    assertFatal(w, new Damage.BadNode(2, NodeFault.KEY_OUT_OF_RANGE, "key 150", LEFT), List.of(3L));
  }

  @Test
  void keyBelowParentRange() throws IOException {
    long[] k = keys(100, 84);
    k[0] = 99;

    Walk w = walk(treeWithRight(leaf(3, k)));

    assertFatal(w, new Damage.BadNode(3, NodeFault.KEY_OUT_OF_RANGE, "key 99", RIGHT), List.of(2L));
  }

  @Test
  void keyEqualToNextParentKey_isOutOfRange() throws IOException {
    long[] k = keys(0, 84);
    k[83] = 100;

    MemoryBlockDevice dev = NodeBlocks.device(NR_BLOCKS, root(), leaf(2, k), rightLeaf());
    Walk w = walk(dev);

    assertFatal(w, new Damage.BadNode(2, NodeFault.KEY_OUT_OF_RANGE, "key 100", LEFT), List.of(3L));
  }

  @Test
  void depthMismatch_internalNodeWhereLeavesAre() throws IOException {
    // Root children: leaf 2, leaf 3, then internal 4 over leaf 5: leaf 5 sits one level deeper.
    MemoryBlockDevice dev =
        NodeBlocks.device(
            NR_BLOCKS,
            internal(1, of(0, 100, 200), of(2, 3, 4)),
            leftLeaf(),
            leaf(3, keys(100, 84)),
            internal(4, of(200), of(5)),
            leaf(5, keys(200, 84)));

    Walk w = NodeBlocks.walk(dev, 1, 8, NodeChecks.Policy.FATAL_ONLY);

    assertFatal(
        w,
        new Damage.BadNode(
            4,
            NodeFault.DEPTH_MISMATCH,
            "internal node at depth 1, leaves at 1",
            new KeyRange(200, 0, false)),
        List.of(2L, 3L));
  }

  @Test
  void depthMismatch_leafShallowerThanTheFirst() throws IOException {
    // Root children: internal 4 over leaf 5, then leaf 3 directly.
    MemoryBlockDevice dev =
        NodeBlocks.device(
            NR_BLOCKS,
            internal(1, of(0, 100), of(4, 3)),
            internal(4, of(0), of(5)),
            leaf(5, keys(0, 84)),
            rightLeaf());

    Walk w = NodeBlocks.walk(dev, 1, 8, NodeChecks.Policy.FATAL_ONLY);

    assertFatal(
        w,
        new Damage.BadNode(3, NodeFault.DEPTH_MISMATCH, "leaf at depth 1, others at 2", RIGHT),
        List.of(5L));
  }

  @Test
  void childPointerBeyondTheMetadata() throws IOException {
    MemoryBlockDevice dev =
        NodeBlocks.device(NR_BLOCKS, internal(1, of(0, 100), of(2, 99)), leftLeaf());

    Walk w = walk(dev);

    assertFatal(
        w,
        new Damage.BadNode(99, NodeFault.BLOCK_OUT_OF_RANGE, "metadata has 10 blocks", RIGHT),
        List.of(2L));
  }

  @Test
  void pointerLoop_childPointsAtItsOwnRoot() throws IOException {
    MemoryBlockDevice dev =
        NodeBlocks.device(NR_BLOCKS, internal(1, of(0, 100), of(2, 1)), leftLeaf());

    Walk w = walk(dev);

    assertFatal(
        w,
        new Damage.BadNode(1, NodeFault.POINTER_LOOP, "reached again from its descendant 1", RIGHT),
        List.of(2L));
  }

  @Test
  void pointerLoop_throughAnInternalNode_isReportedOnce() throws IOException {
    // 1 -> 4 -> 1 with no leaf on the way: without loop detection this would recurse until the
    // depth limit.
    MemoryBlockDevice dev =
        NodeBlocks.device(NR_BLOCKS, internal(1, of(0), of(4)), internal(4, of(0), of(1)));

    Walk w = NodeBlocks.walk(dev, 1, 8, NodeChecks.Policy.FATAL_ONLY);

    assertFatal(
        w,
        new Damage.BadNode(
            1, NodeFault.POINTER_LOOP, "reached again from its descendant 4", KeyRange.ALL),
        List.of());
  }

  @Test
  void damageInOneChild_doesNotStopTheWalkOfItsSiblings() throws IOException {
    // Leaves 2 and 4 are damaged, 3 and 5 are sound: both damages are reported, both sound
    // leaves are visited.
    ByteBuffer two = leftLeaf();
    two.put(4000, (byte) 1);
    ByteBuffer four = leaf(4, keys(200, 84));
    four.putLong(8, 9);
    stamp(four);
    MemoryBlockDevice dev =
        NodeBlocks.device(
            NR_BLOCKS,
            internal(1, of(0, 100, 200, 300), of(2, 3, 4, 5)),
            rightLeaf(),
            leaf(5, keys(300, 84)));
    dev.write(2, two);
    dev.write(4, four);

    Walk w = walk(dev);

    assertEquals(
        List.of(
            new Damage.BadNode(2, NodeFault.CHECKSUM, null, LEFT),
            new Damage.BadNode(
                4, NodeFault.BLOCKNR_MISMATCH, "claims 9", new KeyRange(200, 300, true))),
        w.damage());
    assertFalse(w.ok());
    assertEquals(List.of(3L, 5L), w.leaves());
  }
}
