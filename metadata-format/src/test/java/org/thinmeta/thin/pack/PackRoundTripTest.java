package org.thinmeta.thin.pack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.thinmeta.pdata.btree.NodeHeader;
import org.thinmeta.pdata.checksum.BlockKind;
import org.thinmeta.pdata.checksum.Checksums;
import org.thinmeta.pdata.io.Blocks;
import org.thinmeta.pdata.io.MemoryBlockDevice;

class PackRoundTripTest {
  /** A device with checksummed blocks of every kind scattered among garbage and zero blocks. */
  static MemoryBlockDevice device(int nrBlocks, long seed) throws Exception {
    MemoryBlockDevice dev = new MemoryBlockDevice(nrBlocks);
    Random r = new Random(seed);
    BlockKind[] kinds = {BlockKind.THIN_SUPERBLOCK, BlockKind.BITMAP, BlockKind.INDEX};
    for (int loc = 0; loc < nrBlocks; loc++) {
      int what = r.nextInt(6);
      if (what == 0) {
        continue;
      }
      ByteBuffer b = Blocks.allocate();
      for (int i = 0; i < 4096; i += 8) {
        b.putLong(i, r.nextInt(3) == 0 ? r.nextLong() : i);
      }
      if (what == 1) {
        dev.write(loc, b); // garbage: not packed, unpacks as zeros
        continue;
      }
      if (what <= 3) {
        new NodeHeader(NodeHeader.LEAF, loc, 10, 252, 8).encode(b);
        Checksums.stamp(b, BlockKind.NODE);
      } else {
        Checksums.stamp(b, kinds[r.nextInt(kinds.length)]);
      }
      dev.write(loc, b);
    }
    return dev;
  }

  static byte[] expectedAfterRoundTrip(MemoryBlockDevice dev) throws Exception {
    byte[] img = dev.toByteArray();
    for (int loc = 0; loc < dev.nrBlocks(); loc++) {
      if (Checksums.classify(dev.read(loc)) == BlockKind.UNKNOWN) {
        java.util.Arrays.fill(img, loc * 4096, (loc + 1) * 4096, (byte) 0);
      }
    }
    return img;
  }

  @Test
  void packThenUnpack_keepsKnownBlocksAndZeroesTheRest_anyThreadCount() throws Exception {
    int nr = Packer.SEGMENT_BLOCKS * 2 + 77;
    MemoryBlockDevice dev = device(nr, 42);
    ByteArrayOutputStream one = new ByteArrayOutputStream();
    ByteArrayOutputStream four = new ByteArrayOutputStream();

    Packer.Stats stats = new Packer(1).pack(dev, one);
    new Packer(4).pack(dev, four);
    MemoryBlockDevice out = new MemoryBlockDevice(nr);
    Unpacker u = new Unpacker(new ByteArrayInputStream(one.toByteArray()));
    PackHeader h = u.readHeader();
    long records = u.unpackTo(out);

    assertArrayEquals(one.toByteArray(), four.toByteArray());
    assertEquals(nr, h.nrBlocks());
    assertEquals(stats.packedBlocks(), records);
    assertArrayEquals(expectedAfterRoundTrip(dev), out.toByteArray());
  }

  @Test
  void unpack_notAPack_isRejectedWithTheReferenceMessage() {
    Unpacker u = new Unpacker(new ByteArrayInputStream("<superblock uuid=".getBytes()));

    PackFormatException e = assertThrows(PackFormatException.class, u::readHeader);
    assertEquals("Not a pack file", e.getMessage());
  }

  @Test
  void unpack_otherVersionOrBlockSize_isRejected() {
    byte[] v2 = new PackHeader(2, 4096, 10).encode();
    byte[] bs = new PackHeader(3, 512, 10).encode();

    assertEquals(
        "unsupported pack file version (3).",
        assertThrows(
                PackFormatException.class,
                () -> new Unpacker(new ByteArrayInputStream(v2)).readHeader())
            .getMessage());
    assertEquals(
        "block size is not 4096",
        assertThrows(
                PackFormatException.class,
                () -> new Unpacker(new ByteArrayInputStream(bs)).readHeader())
            .getMessage());
  }

  @Test
  void unpack_truncatedChunk_isCorrupt() throws Exception {
    MemoryBlockDevice dev = device(50, 7);
    ByteArrayOutputStream packed = new ByteArrayOutputStream();
    new Packer(1).pack(dev, packed);
    byte[] cut = java.util.Arrays.copyOf(packed.toByteArray(), packed.size() - 5);
    Unpacker u = new Unpacker(new ByteArrayInputStream(cut));

    PackFormatException e =
        assertThrows(PackFormatException.class, () -> u.unpackTo(new MemoryBlockDevice(50)));
    assertEquals("corrupt pack file: truncated chunk", e.getMessage());
  }
}
