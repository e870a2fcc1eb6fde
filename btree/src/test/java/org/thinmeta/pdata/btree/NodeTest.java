package org.thinmeta.pdata.btree;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;
import org.thinmeta.pdata.damage.Damage;

class NodeTest {
  @Test
  void leafOf8ByteValues_valuesStartAfterAllMaxEntriesKeySlots() {
    ByteBuffer b =
        NodeBlocks.node(NodeHeader.LEAF, 5, 252, 8, new long[] {10, 20}, new long[] {-1L, 7});

    Node n = Node.decode(5, b);

    assertEquals(5, n.location());
    assertTrue(n.isLeaf());
    assertEquals(2, n.nrEntries());
    assertArrayEquals(new long[] {10, 20}, n.keys());
    assertEquals(32 + 8 * 252, n.valueOffset(0));
    assertEquals(32 + 8 * 252 + 8, n.valueOffset(1));
    assertEquals(-1L, n.valueU64(0));
    assertEquals(7, n.valueU64(1));
    assertNull(NodeChecks.check(n, 8, true, NodeChecks.Policy.STRICT));
  }

  @Test
  void leafOf4ByteValues_readsUnsignedCounts() {
    ByteBuffer b =
        NodeBlocks.node(
            NodeHeader.LEAF, 9, 336, 4, new long[] {1, 2, 3}, new long[] {3, 0xFFFFFFFFL, 70000});

    Node n = Node.decode(9, b);

    assertEquals(32 + 8 * 336 + 4, n.valueOffset(1));
    assertEquals(3, n.valueU32(0));
    assertEquals(0xFFFFFFFFL, n.valueU32(1));
    assertEquals(70000, n.valueU32(2));
  }

  @Test
  void leafOf24ByteValues_offsetsStepByTheValueSize() {
    ByteBuffer b = NodeBlocks.node(NodeHeader.LEAF, 1, 126, 24, new long[] {4, 8}, new long[2]);

    Node n = Node.decode(1, b);

    assertEquals(32 + 8 * 126 + 24, n.valueOffset(1));
    assertNull(NodeChecks.check(n, 24, true, NodeChecks.Policy.STRICT));
  }

  @Test
  void internal_childrenAreU64Values() {
    Node n = Node.decode(3, NodeBlocks.internal(3, new long[] {0, 500}, new long[] {11, 12}));

    assertFalse(n.isLeaf());
    assertEquals(11, n.valueU64(0));
    assertEquals(12, n.valueU64(1));
  }

  @Test
  void staleBytesInUnusedSlots_areIgnored() {
    ByteBuffer b = NodeBlocks.leaf(2, new long[] {5, 6});
    b.putLong(32 + 8 * 2, 1); // a stale, smaller key after the used ones
    NodeBlocks.stamp(b);

    Node n = Node.decode(2, b);

    assertArrayEquals(new long[] {5, 6}, n.keys());
    assertNull(NodeChecks.check(n, 8, true, NodeChecks.Policy.STRICT));
  }

  @Test
  void checksum_ofAGoodNodeIsNull() {
    assertNull(NodeChecks.checksum(2, NodeBlocks.leaf(2, new long[] {1})));
    Damage d = NodeChecks.checksum(2, org.thinmeta.pdata.io.Blocks.allocate());
    assertEquals(new Damage.BadNode(2, NodeFault.CHECKSUM, null, null), d);
  }
}
