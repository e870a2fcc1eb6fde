package org.thinmeta.pdata.btree;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.thinmeta.pdata.io.Blocks;

/**
 * A btree node read from a block: the header and absolute accessors for keys and values. Decoding
 * only parses; call {@link NodeChecks#check} before trusting the header's counts.
 */
public final class Node {
  private final long location;
  private final NodeHeader header;
  private final ByteBuffer block;
  private long[] keys;
  private long[] values;

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

  /**
   * All keys in use, read in one bulk copy and cached (callers must not modify the array). Only
   * call once nr_entries is known to fit the block ({@link NodeChecks#check}).
   */
  public long[] keys() {
    if (keys == null) {
      keys = bulk(NodeHeader.SIZE, header.nrEntries());
    }
    return keys;
  }

  /**
   * All values in use read as u64 (internal nodes' children, 8-byte leaves), in one bulk copy and
   * cached (callers must not modify the array); same precondition as {@link #keys}.
   */
  public long[] valuesU64() {
    if (values == null) {
      values = bulk(valueOffset(0), header.nrEntries());
    }
    return values;
  }

  private long[] bulk(int offset, int n) {
    long[] out = new long[n];
    if (n > 0) {
      ByteBuffer b = block.duplicate().position(offset);
      b.slice().order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(out);
    }
    return out;
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
