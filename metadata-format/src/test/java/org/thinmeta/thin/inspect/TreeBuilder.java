package org.thinmeta.thin.inspect;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.NavigableMap;
import org.thinmeta.pdata.btree.NodeHeader;
import org.thinmeta.pdata.checksum.BlockKind;
import org.thinmeta.pdata.checksum.Checksums;
import org.thinmeta.pdata.io.Blocks;
import org.thinmeta.pdata.io.MemoryBlockDevice;
import org.thinmeta.thin.format.BlockTime;

/** Writes small bottom-level mapping trees into a memory device for tests. */
final class TreeBuilder {
  final MemoryBlockDevice dev;
  private long next = 1;

  TreeBuilder(int nrBlocks) {
    dev = new MemoryBlockDevice(nrBlocks);
  }

  /** A leaf holding these mappings (virtual to data block); returns its block. */
  long leaf(NavigableMap<Long, Long> mappings) throws Exception {
    long[] keys = new long[mappings.size()];
    long[] values = new long[mappings.size()];
    int i = 0;
    for (var e : mappings.entrySet()) {
      keys[i] = e.getKey();
      values[i] = BlockTime.pack(e.getValue(), 1);
      i++;
    }
    return node(NodeHeader.LEAF, keys, values);
  }

  /** An internal node over {@code children} (first keys given). */
  long internal(long[] firstKeys, long[] children) throws Exception {
    return node(NodeHeader.INTERNAL, firstKeys, children);
  }

  private long node(int flags, long[] keys, long[] values) throws Exception {
    long loc = next++;
    ByteBuffer b = Blocks.allocate();
    new NodeHeader(flags, loc, keys.length, 252, 8).encode(b);
    for (int i = 0; i < keys.length; i++) {
      b.putLong(32 + 8 * i, keys[i]);
      b.putLong(32 + 8 * 252 + 8 * i, values[i]);
    }
    Checksums.stamp(b, BlockKind.NODE);
    dev.write(loc, b);
    return loc;
  }

  /**
   * A tree over leaves already written: one leaf is the root; otherwise internal levels of up to
   * {@code fanout} children.
   */
  long tree(List<long[]> leaves, int fanout) throws Exception {
    // each element: {firstKey, block}
    List<long[]> level = leaves;
    if (level.isEmpty()) {
      return leaf(new java.util.TreeMap<>());
    }
    while (level.size() > 1) {
      List<long[]> up = new ArrayList<>();
      for (int i = 0; i < level.size(); i += fanout) {
        int n = Math.min(fanout, level.size() - i);
        long[] k = new long[n];
        long[] c = new long[n];
        for (int j = 0; j < n; j++) {
          k[j] = level.get(i + j)[0];
          c[j] = level.get(i + j)[1];
        }
        up.add(new long[] {k[0], internal(k, c)});
      }
      level = up;
    }
    return level.get(0)[1];
  }
}
