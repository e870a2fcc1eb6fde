package org.thinmeta.thin.pack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.HexFormat;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;
import org.thinmeta.pdata.btree.NodeHeader;
import org.thinmeta.pdata.checksum.BlockKind;
import org.thinmeta.pdata.checksum.Checksums;
import org.thinmeta.pdata.io.Blocks;

class BlockEncoderTest {
  private static final HexFormat HEX = HexFormat.of();

  /** A mapping leaf: keys and values as given, every other slot zero, checksum stamped. */
  static ByteBuffer leaf(long blocknr, long[] keys, long[] values) {
    ByteBuffer b = Blocks.allocate();
    new NodeHeader(NodeHeader.LEAF, blocknr, keys.length, 252, 8).encode(b);
    for (int i = 0; i < keys.length; i++) {
      b.putLong(32 + 8 * i, keys[i]);
      b.putLong(32 + 8 * 252 + 8 * i, values[i]);
    }
    Checksums.stamp(b, BlockKind.NODE);
    return b;
  }

  static long bt(long data, long time) {
    return (data << 24) | time;
  }

  @Test
  void encode_workedExampleOfTheSpec_isByteForByte() {
    ByteBuffer block =
        leaf(
            7,
            new long[] {0, 1, 2, 3, 10},
            new long[] {bt(0, 0), bt(1, 0), bt(2, 0), bt(3, 0), bt(21, 1)});
    byte[] header = new byte[32];
    block.duplicate().get(header);

    byte[] stream = new BlockEncoder().encode(block);

    ByteArrayOutputStream want = new ByteArrayOutputStream();
    want.writeBytes(HEX.parseHex("a120"));
    want.writeBytes(header);
    want.writeBytes(HEX.parseHex("0100" + "7311" + "17" + "3a" + "60f6"));
    want.writeBytes(HEX.parseHex("b0fc"));
    want.writeBytes(HEX.parseHex("0100" + "7311" + "2112" + "4115" + "60f6"));
    want.writeBytes(HEX.parseHex("0100" + "5311" + "31" + "60f6"));
    want.writeBytes(HEX.parseHex("a120"));
    want.writeBytes(new byte[32]);
    assertEquals(95, stream.length);
    assertArrayEquals(want.toByteArray(), stream);
  }

  @Test
  void encode_superblockLikeBlock_isOneLiteral() {
    ByteBuffer b = Blocks.allocate();
    b.putLong(32, 27022010L);
    Checksums.stamp(b, BlockKind.THIN_SUPERBLOCK);

    byte[] stream = new BlockEncoder().encode(b);

    assertEquals(3 + 4096, stream.length);
    assertEquals("a20010", HEX.formatHex(stream, 0, 3));
    assertArrayEquals(b.array(), java.util.Arrays.copyOfRange(stream, 3, stream.length));
  }

  @Test
  void sequence_usesWidestOperandsOnlyWhenNeeded() {
    BlockEncoder enc = new BlockEncoder();
    enc.sequence(new long[] {0x1_0000_0000L, 0x1_0000_0010L, 5, 5}, 4);

    // SET w8; POSW w1 16; NEGW w8 (0x1_0000_0010 - 5); CONST 1
    assertEquals(
        "08" + "0000000001000000" + "2110" + "48" + "0b00000001000000" + "51",
        HEX.formatHex(enc.sink().toByteArray()));
  }

  @Test
  void sequence_longConstantAndProgressionRuns_useTwelveBitCounts() {
    long[] v = new long[40];
    for (int i = 0; i < 20; i++) {
      v[i] = 100 + 3L * i;
    }
    for (int i = 20; i < 40; i++) {
      v[i] = v[19];
    }
    BlockEncoder enc = new BlockEncoder();
    enc.sequence(v, 40);

    // SET 100; COUNT8 19 POS 3; CONST8 20
    assertEquals("0164" + "8013" + "13" + "6014", HEX.formatHex(enc.sink().toByteArray()));
  }

  @Test
  void decode_workedExample_givesTheBlockBack() throws Exception {
    ByteBuffer block =
        leaf(
            7,
            new long[] {0, 1, 2, 3, 10},
            new long[] {bt(0, 0), bt(1, 0), bt(2, 0), bt(3, 0), bt(21, 1)});
    byte[] stream = new BlockEncoder().encode(block);
    BlockDecoder dec = new BlockDecoder();

    int end = dec.decode(stream, 0, stream.length);

    assertEquals(stream.length, end);
    assertArrayEquals(block.array(), dec.block());
  }

  @Test
  void decode_truncatedStream_isCorrupt() {
    ByteBuffer block = leaf(9, new long[] {1, 2}, new long[] {bt(5, 1), bt(6, 1)});
    byte[] stream = new BlockEncoder().encode(block);
    BlockDecoder dec = new BlockDecoder();

    PackFormatException e =
        assertThrows(PackFormatException.class, () -> dec.decode(stream, 0, stream.length - 1));
    assertEquals("corrupt pack file: literal beyond the end of the chunk", e.getMessage());
  }

  @Test
  void decode_streamProducingMoreThanABlock_isCorrupt() {
    // LITW of 4097 bytes: one byte more than a block.
    byte[] stream = new byte[3 + 4097];
    stream[0] = (byte) 0xa2;
    stream[1] = 0x01;
    stream[2] = 0x10;
    BlockDecoder dec = new BlockDecoder();

    PackFormatException e =
        assertThrows(PackFormatException.class, () -> dec.decode(stream, 0, stream.length));
    assertEquals("corrupt pack file: block longer than 4096 bytes", e.getMessage());
  }

  @Test
  void decode_unknownInstruction_isCorrupt() {
    byte[] stream = {(byte) 0xc0};

    PackFormatException e =
        assertThrows(PackFormatException.class, () -> new BlockDecoder().decode(stream, 0, 1));
    assertEquals("corrupt pack file: unknown instruction 0xc0", e.getMessage());
  }

  @Property(tries = 300)
  void roundTrip_randomMappingLeaves(
      @ForAll @IntRange(min = 0, max = 252) int n,
      @ForAll @LongRange(min = 0, max = 1L << 39) long dataStart,
      @ForAll @IntRange(min = 1, max = 1 << 20) int seed)
      throws Exception {
    java.util.Random r = new java.util.Random(seed);
    long[] keys = new long[n];
    long[] values = new long[n];
    long k = r.nextInt(1000);
    long d = dataStart;
    for (int i = 0; i < n; i++) {
      k += 1 + (r.nextInt(4) == 0 ? r.nextInt(100_000) : 0);
      d = r.nextInt(3) == 0 ? r.nextLong() >>> 25 : d + 1;
      keys[i] = k;
      values[i] = bt(d, r.nextInt(3) == 0 ? r.nextInt(1 << 24) : 3);
    }
    ByteBuffer block = leaf(r.nextLong() >>> 1, keys, values);
    // Stale bytes in unused slots and the tail, as kernel-written nodes have.
    for (int i = 32 + 8 * n; i < 32 + 8 * 252; i += 8) {
      if (r.nextInt(5) == 0) {
        block.putLong(i, r.nextLong());
      }
    }
    block.putLong(4096 - 8, r.nextLong());
    Checksums.stamp(block, BlockKind.NODE);

    byte[] stream = new BlockEncoder().encode(block);
    BlockDecoder dec = new BlockDecoder();
    int end = dec.decode(stream, 0, stream.length);

    assertEquals(stream.length, end);
    assertArrayEquals(block.array(), dec.block());
  }

  @Property(tries = 200)
  void roundTrip_randomInternalAndOtherNodes(
      @ForAll @IntRange(min = 0, max = 3) int kind,
      @ForAll @IntRange(min = 1, max = 1 << 20) int seed)
      throws Exception {
    java.util.Random r = new java.util.Random(seed);
    int[] valueSizes = {8, 16, 24, 4};
    int vs = valueSizes[kind];
    boolean internal = kind == 0 && r.nextBoolean();
    int max = NodeHeader.maxEntriesFor(vs);
    int n = r.nextInt(max + 1);
    ByteBuffer b = Blocks.allocate();
    new NodeHeader(internal ? NodeHeader.INTERNAL : NodeHeader.LEAF, 3, n, max, vs).encode(b);
    for (int i = 32; i < 4096; i += 8) {
      b.putLong(i, r.nextInt(4) == 0 ? 0 : r.nextLong() >>> r.nextInt(64));
    }
    Checksums.stamp(b, BlockKind.NODE);

    byte[] stream = new BlockEncoder().encode(b);
    BlockDecoder dec = new BlockDecoder();
    dec.decode(stream, 0, stream.length);

    assertArrayEquals(b.array(), dec.block());
  }

  @Test
  void encode_nodeWhoseSlotsDoNotFit_fallsBackToALiteral() throws Exception {
    ByteBuffer b = Blocks.allocate();
    new NodeHeader(NodeHeader.LEAF, 3, 0, 1000, 8).encode(b);
    Checksums.stamp(b, BlockKind.NODE);

    byte[] stream = new BlockEncoder().encode(b);
    BlockDecoder dec = new BlockDecoder();
    dec.decode(stream, 0, stream.length);

    assertEquals(4099, stream.length);
    assertArrayEquals(b.array(), dec.block());
  }
}
