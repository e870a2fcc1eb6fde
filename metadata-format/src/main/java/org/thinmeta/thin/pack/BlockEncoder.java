package org.thinmeta.thin.pack;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.thinmeta.pdata.btree.NodeHeader;
import org.thinmeta.pdata.checksum.BlockKind;
import org.thinmeta.pdata.checksum.Checksums;
import org.thinmeta.pdata.io.Blocks;

/**
 * Encodes one 4096-byte metadata block as an instruction stream (format doc §10.7), the way the
 * reference packer does, so that our streams equal the reference's byte for byte: btree nodes as
 * header literal, key sequence, value sequence (or shifted run for mapping leaves) and tail
 * literal; every other block as one literal.
 */
public final class BlockEncoder {
  private final ByteSink out;
  private final long[] hi = new long[Blocks.BLOCK_SIZE / 8];
  private final long[] lo = new long[Blocks.BLOCK_SIZE / 8];

  /** An encoder with its own output buffer (not thread-safe; use one per thread). */
  public BlockEncoder() {
    this.out = new ByteSink(Blocks.BLOCK_SIZE + 16);
  }

  /** Encodes {@code block} (bytes 0..4095, whatever its position) and returns the stream. */
  public byte[] encode(ByteBuffer block) {
    out.reset();
    encodeInto(block);
    return out.toByteArray();
  }

  /** Encodes {@code block}, classifying it by checksum, into the internal buffer. */
  void encodeInto(ByteBuffer block) {
    ByteBuffer b = block.duplicate().order(ByteOrder.LITTLE_ENDIAN).position(0);
    byte[] raw = new byte[Blocks.BLOCK_SIZE];
    b.get(raw, 0, Blocks.BLOCK_SIZE);
    ByteBuffer le = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
    if (Checksums.classify(le) == BlockKind.NODE && encodeNode(le, raw)) {
      return;
    }
    literal(raw, 0, Blocks.BLOCK_SIZE);
  }

  /** Bytes produced by the last {@link #encodeInto}. */
  ByteSink sink() {
    return out;
  }

  private boolean encodeNode(ByteBuffer b, byte[] raw) {
    NodeHeader h = NodeHeader.decode(b);
    long max = Integer.toUnsignedLong(h.maxEntries());
    boolean leaf = h.flags() == NodeHeader.LEAF;
    boolean u64Values = !leaf || h.valueSize() == 8;
    long used = NodeHeader.SIZE + max * (u64Values ? 16 : 8);
    if (used > Blocks.BLOCK_SIZE) {
      // The reference gives up ("unable to pack btree node"); a literal keeps the block.
      return false;
    }
    int m = (int) max;
    literal(raw, 0, NodeHeader.SIZE);
    int keysAt = NodeHeader.SIZE;
    for (int i = 0; i < m; i++) {
      hi[i] = b.getLong(keysAt + 8 * i);
    }
    sequence(hi, m);
    int valuesAt = keysAt + 8 * m;
    if (!u64Values) {
      literal(raw, valuesAt, Blocks.BLOCK_SIZE - valuesAt);
      return true;
    }
    if (leaf) {
      for (int i = 0; i < m; i++) {
        long v = b.getLong(valuesAt + 8 * i);
        hi[i] = v >>> 24;
        lo[i] = v & 0xFFFFFFL;
      }
      out.u8((Op.SHIFTED << 4) | (m >>> 8));
      out.u8(m & 0xFF);
      sequence(hi, m);
      sequence(lo, m);
    } else {
      for (int i = 0; i < m; i++) {
        hi[i] = b.getLong(valuesAt + 8 * i);
      }
      sequence(hi, m);
    }
    int tail = valuesAt + 8 * m;
    if (tail < Blocks.BLOCK_SIZE) {
      literal(raw, tail, Blocks.BLOCK_SIZE - tail);
    }
    return true;
  }

  /** Encodes {@code len} u64 values: SET, then runs of constants and arithmetic progressions. */
  void sequence(long[] v, int len) {
    if (len == 0) {
      return;
    }
    long base = v[0];
    int w = Op.width(base);
    out.u8((Op.SET << 4) | w);
    out.le(base, w);
    int i = 1;
    while (i < len) {
      long x = v[i];
      if (x == base) {
        int c = 1;
        while (i + c < len && v[i + c] == base && c < Op.COUNT12_LIMIT - 1) {
          c++;
        }
        if (c < Op.NIBBLE_LIMIT) {
          out.u8((Op.CONST << 4) | c);
        } else {
          out.u8((Op.CONST8 << 4) | (c >>> 8));
          out.u8(c & 0xFF);
        }
        i += c;
        continue;
      }
      boolean up = Long.compareUnsigned(x, base) > 0;
      long d = up ? x - base : base - x;
      long step = up ? d : -d;
      int c = 1;
      long next = x + step;
      while (i + c < len && v[i + c] == next && c < Op.COUNT12_LIMIT - 1) {
        c++;
        next += step;
      }
      if (c > 1) {
        if (c < Op.NIBBLE_LIMIT) {
          out.u8((Op.COUNT << 4) | c);
        } else {
          out.u8((Op.COUNT8 << 4) | (c >>> 8));
          out.u8(c & 0xFF);
        }
      }
      if (Long.compareUnsigned(d, Op.NIBBLE_LIMIT) < 0) {
        out.u8(((up ? Op.POS : Op.NEG) << 4) | (int) d);
      } else {
        int dw = Op.width(d);
        out.u8(((up ? Op.POSW : Op.NEGW) << 4) | dw);
        out.le(d, dw);
      }
      base += step * c;
      i += c;
    }
  }

  /** A LIT (short) or LITW literal of {@code len} bytes. */
  void literal(byte[] src, int off, int len) {
    if (len < Op.NIBBLE_LIMIT) {
      out.u8((Op.LIT << 4) | len);
    } else {
      int w = Op.width(len);
      out.u8((Op.LITW << 4) | w);
      out.le(len, w);
    }
    out.bytes(src, off, len);
  }
}
