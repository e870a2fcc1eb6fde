package org.thinmeta.pdata.btree;

import java.nio.ByteBuffer;
import org.thinmeta.pdata.io.Blocks;

/**
 * A btree node read from a block: the header and absolute accessors for keys and values. Decoding
 * only parses; call {@link NodeChecks#check} before trusting the header's counts.
 */
public final class Node {
  private final long location;
  private final NodeHeader header;
  private final ByteBuffer block;

  private Node(long location, NodeHeader header, ByteBuffer block) {
    this.location = location;
    this.header = header;
    this.block = block;
  }

  /** Parses the node in {@code block}, read from {@code location}. */
  public static Node decode(long location, ByteBuffer block) {
    ByteBuffer b = Blocks.le(block);
    return new Node(location, NodeHeader.decode(b), b);
  }

  /** Where the node was read from. */
  public long location() {
    return location;
  }

  /** The parsed header. */
  public NodeHeader header() {
    return header;
  }

  /** The whole block, little-endian. */
  public ByteBuffer block() {
    return block;
  }

  /** True for a leaf. */
  public boolean isLeaf() {
    return header.isLeaf();
  }

  /** Number of entries in use. */
  public int nrEntries() {
    return header.nrEntries();
  }

  /** Key {@code i}. */
  public long key(int i) {
    return block.getLong(NodeHeader.SIZE + 8 * i);
  }

  /** All keys in use. */
  public long[] keys() {
    long[] k = new long[header.nrEntries()];
    for (int i = 0; i < k.length; i++) {
      k[i] = key(i);
    }
    return k;
  }

  /** Byte offset in the block of value {@code i}. */
  public int valueOffset(int i) {
    return NodeHeader.SIZE + 8 * header.maxEntries() + header.valueSize() * i;
  }

  /** Value {@code i} read as a u64 (internal nodes' children, 8-byte leaves). */
  public long valueU64(int i) {
    return block.getLong(valueOffset(i));
  }

  /** Value {@code i} read as a u32 (ref-count trees). */
  public long valueU32(int i) {
    return Integer.toUnsignedLong(block.getInt(valueOffset(i)));
  }
}
