package org.thinmeta.pdata.btree;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.thinmeta.pdata.checksum.BlockKind;
import org.thinmeta.pdata.checksum.Checksums;
import org.thinmeta.pdata.damage.Damage;
import org.thinmeta.pdata.io.BlockDevice;
import org.thinmeta.pdata.io.Blocks;
import org.thinmeta.pdata.io.MemoryBlockDevice;

/**
 * Hand-built btree node blocks for tests, written independently of the production encoders: the
 * layout is spelled out here byte by byte (format doc §3.1).
 */
final class NodeBlocks {
  private NodeBlocks() {}

  /**
   * A node block with the given header fields, keys and values (values written as little-endian
   * integers of {@code valueSize} bytes, at most 8), stamped with the node checksum.
   */
  static ByteBuffer node(
      int flags, long loc, int maxEntries, int valueSize, long[] keys, long[] values) {
    ByteBuffer b = Blocks.allocate();
    b.putInt(4, flags);
    b.putLong(8, loc);
    b.putInt(16, keys.length);
    b.putInt(20, maxEntries);
    b.putInt(24, valueSize);
    for (int i = 0; i < keys.length; i++) {
      b.putLong(32 + 8 * i, keys[i]);
    }
    int valuesAt = 32 + 8 * maxEntries;
    for (int i = 0; i < values.length; i++) {
      int off = valuesAt + valueSize * i;
      long v = values[i];
      for (int j = 0; j < Math.min(valueSize, 8); j++) {
        b.put(off + j, (byte) (v >>> (8 * j)));
      }
    }
    stamp(b);
    return b;
  }

  /** A leaf of 8-byte values with the writers' max_entries (252). */
  static ByteBuffer leaf(long loc, long[] keys, long[] values) {
    return node(NodeHeader.LEAF, loc, 252, 8, keys, values);
  }

  /** A leaf of 8-byte values whose value for each key is {@code key * 10}. */
  static ByteBuffer leaf(long loc, long[] keys) {
    long[] values = new long[keys.length];
    for (int i = 0; i < keys.length; i++) {
      values[i] = keys[i] * 10;
    }
    return leaf(loc, keys, values);
  }

  /** An internal node with the writers' max_entries (252). */
  static ByteBuffer internal(long loc, long[] keys, long[] children) {
    return node(NodeHeader.INTERNAL, loc, 252, 8, keys, children);
  }

  /** Keys {@code from, from+1, ..., from+n-1}. */
  static long[] keys(long from, int n) {
    long[] k = new long[n];
    for (int i = 0; i < n; i++) {
      k[i] = from + i;
    }
    return k;
  }

  /** Shorthand for a key or child array. */
  static long[] of(long... v) {
    return v;
  }

  /** Re-stamps the node checksum after a field was changed. */
  static ByteBuffer stamp(ByteBuffer b) {
    Checksums.stamp(b, BlockKind.NODE);
    return b;
  }

  /** Writes blocks into a fresh device of {@code nrBlocks} blocks. */
  static MemoryBlockDevice device(int nrBlocks, ByteBuffer... blocks) throws IOException {
    MemoryBlockDevice dev = new MemoryBlockDevice(nrBlocks);
    for (ByteBuffer b : blocks) {
      dev.write(b.getLong(8), b);
    }
    return dev;
  }

  /** What one walk saw: damage in report order, leaves in visit order. */
  record Walk(boolean ok, List<Damage> damage, List<Long> leaves, List<Long> shared) {}

  /** Walks {@code root} (leaf value size {@code vs}) with no seen set. */
  static Walk walk(BlockDevice dev, long root, int vs, NodeChecks.Policy policy)
      throws IOException {
    List<Damage> damage = new ArrayList<>();
    List<Long> leaves = new ArrayList<>();
    List<Long> shared = new ArrayList<>();
    boolean ok =
        new BTreeWalker(dev, dev.nrBlocks(), damage::add, policy, null, null)
            .walk(
                root,
                vs,
                new BTreeWalker.Visitor() {
                  @Override
                  public void leaf(Node leaf, KeyRange range) {
                    leaves.add(leaf.location());
                  }

                  @Override
                  public void shared(long location, boolean damaged) {
                    shared.add(location);
                  }
                });
    return new Walk(ok, damage, leaves, shared);
  }
}
