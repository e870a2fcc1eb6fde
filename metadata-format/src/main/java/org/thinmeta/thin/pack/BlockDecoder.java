package org.thinmeta.thin.pack;

import org.thinmeta.pdata.io.Blocks;

/**
 * Runs instruction streams (format doc §10.7) back into 4096-byte blocks. Any stream that would
 * read past its input, write past the block, or use an unknown or misplaced instruction is rejected
 * as corrupt instead of producing a wrong block.
 */
public final class BlockDecoder {
  private byte[] in;
  private int p;
  private int end;
  private long base;
  private final byte[] block = new byte[Blocks.BLOCK_SIZE];
  private int o;
  private long[] values;
  private int vn;
  private int vlimit;

  /** A decoder (not thread-safe). */
  public BlockDecoder() {}

  /**
   * Decodes one block from {@code src[pos..limit)}.
   *
   * @return the position after the block's stream; the block is in {@link #block()}
   * @throws PackFormatException if the stream is corrupt
   */
  public int decode(byte[] src, int pos, int limit) throws PackFormatException {
    in = src;
    p = pos;
    end = limit;
    base = 0;
    o = 0;
    values = null;
    while (o < Blocks.BLOCK_SIZE) {
      instruction();
    }
    return p;
  }

  /** The block decoded last (shared buffer, overwritten by the next decode). */
  public byte[] block() {
    return block;
  }

  private void instruction() throws PackFormatException {
    int b = u8();
    int tag = b >>> 4;
    int nib = b & 15;
    int count = 1;
    if (tag == Op.COUNT || tag == Op.COUNT8) {
      count = tag == Op.COUNT ? nib : (nib << 8) | u8();
      b = u8();
      tag = b >>> 4;
      nib = b & 15;
      if (count == 0 || tag == Op.COUNT || tag == Op.COUNT8) {
        throw corrupt("bad repeat count");
      }
    }
    switch (tag) {
      case Op.SET -> {
        long v = operand(nib);
        for (int i = 0; i < count; i++) {
          base = v;
          emit(base);
        }
      }
      case Op.POS, Op.NEG -> {
        long d = tag == Op.POS ? nib : -nib;
        for (int i = 0; i < count; i++) {
          base += d;
          emit(base);
        }
      }
      case Op.POSW, Op.NEGW -> {
        long d = operand(nib);
        if (tag == Op.NEGW) {
          d = -d;
        }
        for (int i = 0; i < count; i++) {
          base += d;
          emit(base);
        }
      }
      case Op.CONST, Op.CONST8 -> {
        int n = tag == Op.CONST ? nib : (nib << 8) | u8();
        if (count != 1) {
          throw corrupt("repeated constant run");
        }
        for (int i = 0; i < n; i++) {
          emit(base);
        }
      }
      case Op.LIT, Op.LITW -> {
        long n = tag == Op.LIT ? nib : operand(nib);
        if (values != null) {
          throw corrupt("literal inside a shifted run");
        }
        if (n > end - p) {
          throw corrupt("literal beyond the end of the chunk");
        }
        int len = (int) n;
        for (int i = 0; i < count; i++) {
          if (len > Blocks.BLOCK_SIZE - o) {
            throw corrupt("block longer than " + Blocks.BLOCK_SIZE + " bytes");
          }
          System.arraycopy(in, p, block, o, len);
          o += len;
        }
        p += len;
      }
      case Op.SHIFTED -> {
        int len = (nib << 8) | u8();
        if (count != 1 || values != null) {
          throw corrupt("misplaced shifted run");
        }
        if (len > (Blocks.BLOCK_SIZE - o) / 8) {
          throw corrupt("block longer than " + Blocks.BLOCK_SIZE + " bytes");
        }
        long[] hi = run(len);
        long[] lo = run(len);
        values = null;
        for (int i = 0; i < len; i++) {
          putLong((hi[i] << 24) | (lo[i] & 0xFFFFFFL));
        }
      }
      default -> throw corrupt("unknown instruction 0x" + Integer.toHexString(b));
    }
  }

  private long[] run(int len) throws PackFormatException {
    values = new long[len];
    vn = 0;
    vlimit = len;
    while (vn < len) {
      instruction();
    }
    return values;
  }

  private void emit(long v) throws PackFormatException {
    if (values != null) {
      if (vn >= vlimit) {
        throw corrupt("shifted run longer than announced");
      }
      values[vn++] = v;
      return;
    }
    if (o + 8 > Blocks.BLOCK_SIZE) {
      throw corrupt("block longer than " + Blocks.BLOCK_SIZE + " bytes");
    }
    putLong(v);
  }

  private void putLong(long v) {
    for (int i = 0; i < 8; i++) {
      block[o++] = (byte) (v >>> (8 * i));
    }
  }

  private long operand(int width) throws PackFormatException {
    if (width != 1 && width != 2 && width != 4 && width != 8) {
      throw corrupt("bad operand width " + width);
    }
    if (end - p < width) {
      throw corrupt("instruction beyond the end of the chunk");
    }
    long v = 0;
    for (int i = 0; i < width; i++) {
      v |= (in[p++] & 0xFFL) << (8 * i);
    }
    return v;
  }

  private int u8() throws PackFormatException {
    if (p >= end) {
      throw corrupt("instruction beyond the end of the chunk");
    }
    return in[p++] & 0xFF;
  }

  private static PackFormatException corrupt(String why) {
    return new PackFormatException("corrupt pack file: " + why);
  }
}
