package org.thinmeta.pdata.btree;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;
import org.thinmeta.pdata.io.Blocks;

class NodeHeaderTest {
  /** A header written byte by byte: leaf, blocknr 0x0102030405060708, 3 of 252, value size 8. */
  private static ByteBuffer handBuilt() {
    ByteBuffer b = ByteBuffer.allocate(Blocks.BLOCK_SIZE); // big-endian on purpose
    byte[] header = {
      9,
      9,
      9,
      9, // csum (ignored by decode)
      2,
      0,
      0,
      0, // flags = LEAF
      8,
      7,
      6,
      5,
      4,
      3,
      2,
      1, // blocknr
      3,
      0,
      0,
      0, // nr_entries
      (byte) 252,
      0,
      0,
      0, // max_entries
      8,
      0,
      0,
      0, // value_size
      0,
      0,
      0,
      0 // padding
    };
    b.put(header).clear();
    return b;
  }

  @Test
  void decode_readsLittleEndianFieldsAtTheirOffsets() {
    NodeHeader h = NodeHeader.decode(handBuilt());

    assertEquals(new NodeHeader(NodeHeader.LEAF, 0x0102030405060708L, 3, 252, 8), h);
    assertTrue(h.isLeaf());
    assertFalse(h.isInternal());
  }

  @Test
  void encode_isTheMirrorOfDecode_andLeavesTheChecksumAlone() {
    ByteBuffer expected = handBuilt();
    ByteBuffer b = Blocks.allocate();
    b.putInt(0, 0x09090909);
    b.putInt(28, 0xFFFFFFFF); // padding is zeroed

    NodeHeader.decode(expected).encode(b);

    byte[] got = new byte[32];
    byte[] want = new byte[32];
    b.get(0, got);
    expected.get(0, want);
    assertArrayEquals(want, got);
  }

  @Test
  void flags_onlyExactValuesCount() {
    assertTrue(new NodeHeader(1, 0, 0, 0, 8).isInternal());
    assertFalse(new NodeHeader(3, 0, 0, 0, 8).isInternal());
    assertFalse(new NodeHeader(3, 0, 0, 0, 8).isLeaf());
    assertFalse(new NodeHeader(0, 0, 0, 0, 8).isLeaf());
  }

  @Test
  void maxEntriesFor_theFourValueSizesInUse() {
    assertEquals(336, NodeHeader.maxEntriesFor(4));
    assertEquals(252, NodeHeader.maxEntriesFor(8));
    assertEquals(168, NodeHeader.maxEntriesFor(16));
    assertEquals(126, NodeHeader.maxEntriesFor(24));
  }
}
