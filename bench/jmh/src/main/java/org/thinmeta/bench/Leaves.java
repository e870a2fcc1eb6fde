package org.thinmeta.bench;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import org.thinmeta.pdata.btree.NodeHeader;
import org.thinmeta.pdata.checksum.BlockKind;
import org.thinmeta.pdata.checksum.Checksums;
import org.thinmeta.pdata.io.Blocks;
import org.thinmeta.thin.format.BlockTime;

/** Builds realistic bottom-level mapping leaves (block_time values) for the benchmarks. */
final class Leaves {
  private Leaves() {}

  /** Mapping leaves of {@code entries} entries each, half runs and half scattered blocks. */
  static ByteBuffer[] mappingLeaves(int count, int entries, long seed) {
    SplittableRandom rnd = new SplittableRandom(seed);
    int max = NodeHeader.maxEntriesFor(8);
    ByteBuffer[] out = new ByteBuffer[count];
    long vblock = 0;
    long data = 0;
    for (int n = 0; n < count; n++) {
      ByteBuffer b = Blocks.allocate();
      new NodeHeader(NodeHeader.LEAF, 1000 + n, entries, max, 8).encode(b);
      boolean scattered = rnd.nextBoolean();
      for (int i = 0; i < entries; i++) {
        vblock += scattered ? 2 + rnd.nextInt(3) : 1;
        data += scattered ? 1 + rnd.nextInt(100) : 1;
        b.putLong(NodeHeader.SIZE + 8 * i, vblock);
        b.putLong(NodeHeader.SIZE + 8 * max + 8 * i, BlockTime.pack(data, n & 0xff));
      }
      Checksums.stamp(b, BlockKind.NODE);
      out[n] = b;
    }
    return out;
  }
}
