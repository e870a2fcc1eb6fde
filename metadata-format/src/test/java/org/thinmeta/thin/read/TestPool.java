package org.thinmeta.thin.read;

import java.io.IOException;
import java.nio.ByteBuffer;
import org.thinmeta.pdata.checksum.BlockKind;
import org.thinmeta.pdata.checksum.Checksums;
import org.thinmeta.pdata.io.Blocks;
import org.thinmeta.pdata.io.MemoryBlockDevice;
import org.thinmeta.pdata.spacemap.SmRoot;
import org.thinmeta.thin.format.BlockTime;
import org.thinmeta.thin.format.DeviceDetails;

/**
 * A small pool written block by block for tests (no space maps: the dump does not read them).
 *
 * <pre>
 * 0  superblock (time 3, transaction 9, data_block_size 128, 1000 data blocks, snapshot at 9)
 * 1  details leaf: dev 1 (mapped 5, trans 1, created 0, snap 2), dev 7 (mapped 3, trans 4, 2, 2)
 * 2  top-level leaf: dev 1 -> 3, dev 7 -> 4
 * 3  dev 1 mappings: 0..3 -> 100..103 at time 0, 10 -> 50 at time 2
 * 4  dev 7 internal node over leaves 5 and 6
 * 5  dev 7 mappings: 0 -> 200 t1, 1 -> 201 t1
 * 6  dev 7 mappings: 2 -> 202 t1 (continues the run across the leaf boundary)
 * 9  snapshot superblock: only dev 1, roots 10 (details) and 11 (top level)
 * 10 details leaf of the snapshot: dev 1 (mapped 4, trans 1, 0, 0)
 * 11 top-level leaf of the snapshot: dev 1 -> 3
 * </pre>
 */
final class TestPool {
  static final int NR_BLOCKS = 16;

  private TestPool() {}

  static ByteBuffer node(int flags, long loc, int valueSize, long[] keys, long[] values) {
    int max = (4096 - 32) / (8 + valueSize) / 3 * 3;
    ByteBuffer b = Blocks.allocate();
    b.putInt(4, flags);
    b.putLong(8, loc);
    b.putInt(16, keys.length);
    b.putInt(20, max);
    b.putInt(24, valueSize);
    for (int i = 0; i < keys.length; i++) {
      b.putLong(32 + 8 * i, keys[i]);
      if (valueSize == 8) {
        b.putLong(32 + 8 * max + 8 * i, values[i]);
      }
    }
    Checksums.stamp(b, BlockKind.NODE);
    return b;
  }

  static ByteBuffer detailsLeaf(long loc, long[] ids, DeviceDetails... d) {
    ByteBuffer b = node(2, loc, 24, ids, null);
    for (int i = 0; i < d.length; i++) {
      d[i].encode(b, 32 + 8 * 126 + 24 * i);
    }
    Checksums.stamp(b, BlockKind.NODE);
    return b;
  }

  static ByteBuffer mappings(long loc, long[] thin, long[] data, long[] time) {
    long[] v = new long[thin.length];
    for (int i = 0; i < v.length; i++) {
      v[i] = BlockTime.pack(data[i], time[i]);
    }
    return node(2, loc, 8, thin, v);
  }

  static ByteBuffer superblock(long loc, long details, long mapping, long snap, long nrData) {
    ByteBuffer b = Blocks.allocate();
    b.putLong(8, loc);
    b.putLong(32, 27022010L);
    b.putInt(40, 2);
    b.putInt(44, 3);
    b.putLong(48, 9);
    b.putLong(56, snap);
    if (nrData > 0) {
      new SmRoot(nrData, 6, 12, 13).encode(b, 64);
      new SmRoot(NR_BLOCKS, 12, 14, 15).encode(b, 192);
    }
    b.putLong(320, mapping);
    b.putLong(328, details);
    b.putInt(336, 128);
    b.putInt(340, 8);
    b.putLong(344, NR_BLOCKS);
    Checksums.stamp(b, BlockKind.THIN_SUPERBLOCK);
    return b;
  }

  static MemoryBlockDevice build() throws IOException {
    MemoryBlockDevice dev = new MemoryBlockDevice(NR_BLOCKS);
    dev.write(0, superblock(0, 1, 2, 9, 1000));
    dev.write(
        1,
        detailsLeaf(
            1, new long[] {1, 7}, new DeviceDetails(5, 1, 0, 2), new DeviceDetails(3, 4, 2, 2)));
    dev.write(2, node(2, 2, 8, new long[] {1, 7}, new long[] {3, 4}));
    dev.write(
        3,
        mappings(
            3,
            new long[] {0, 1, 2, 3, 10},
            new long[] {100, 101, 102, 103, 50},
            new long[] {0, 0, 0, 0, 2}));
    dev.write(4, node(1, 4, 8, new long[] {0, 2}, new long[] {5, 6}));
    dev.write(5, mappings(5, new long[] {0, 1}, new long[] {200, 201}, new long[] {1, 1}));
    dev.write(6, mappings(6, new long[] {2}, new long[] {202}, new long[] {1}));
    dev.write(9, superblock(9, 10, 11, 0, 0));
    dev.write(10, detailsLeaf(10, new long[] {1}, new DeviceDetails(4, 1, 0, 0)));
    dev.write(11, node(2, 11, 8, new long[] {1}, new long[] {3}));
    return dev;
  }
}
