package org.thinmeta.thin.pack;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;
import org.thinmeta.pdata.checksum.BlockKind;
import org.thinmeta.pdata.checksum.Checksums;
import org.thinmeta.pdata.io.BlockDevice;
import org.thinmeta.pdata.io.Blocks;

/**
 * Reads a pack file: first {@link #readHeader}, then {@link #unpackTo} writes every packed block
 * into a device of at least the header's number of blocks. A block that does not decode to exactly
 * 4096 bytes with a known checksum, or lies beyond the header's size, fails the run.
 */
public final class Unpacker {
  private final InputStream in;
  private PackHeader header;

  /** An unpacker reading {@code in} (buffer it; not closed here). */
  public Unpacker(InputStream in) {
    this.in = in;
  }

  /** Reads and validates the header. */
  public PackHeader readHeader() throws IOException {
    byte[] h = new byte[PackHeader.SIZE];
    int n = in.readNBytes(h, 0, h.length);
    header = PackHeader.decode(h, n);
    return header;
  }

  /** Receives the records of a pack. */
  @FunctionalInterface
  public interface RecordVisitor {
    /**
     * One record: the block number, the decoded block (a buffer reused for the next record) and the
     * record's instruction stream {@code stream[from..to)}.
     */
    void record(long blocknr, ByteBuffer block, byte[] stream, int from, int to) throws IOException;
  }

  /** Writes every record of the remaining chunks to {@code out}; returns the number of records. */
  public long unpackTo(BlockDevice out) throws IOException {
    if (header == null) {
      readHeader();
    }
    if (out.nrBlocks() < header.nrBlocks()) {
      throw new IOException(
          "output holds "
              + out.nrBlocks()
              + " blocks, the pack needs "
              + Long.toUnsignedString(header.nrBlocks()));
    }
    return forEachRecord((blocknr, block, stream, from, to) -> out.write(blocknr, block));
  }

  /**
   * Decodes every record of the remaining chunks, checks it, and hands it to {@code visitor};
   * returns the number of records.
   */
  public long forEachRecord(RecordVisitor visitor) throws IOException {
    if (header == null) {
      readHeader();
    }
    BlockDecoder dec = new BlockDecoder();
    Inflater inflater = new Inflater();
    long records = 0;
    try {
      byte[] len = new byte[8];
      while (true) {
        int n = in.readNBytes(len, 0, 8);
        if (n == 0) {
          break;
        }
        if (n < 8) {
          throw new PackFormatException("corrupt pack file: truncated chunk length");
        }
        long l = ByteBuffer.wrap(len).order(ByteOrder.LITTLE_ENDIAN).getLong();
        if (l <= 0 || l > Integer.MAX_VALUE - 16) {
          throw new PackFormatException(
              "corrupt pack file: chunk length " + Long.toUnsignedString(l));
        }
        byte[] z = in.readNBytes((int) l);
        if (z.length < l) {
          throw new PackFormatException("corrupt pack file: truncated chunk");
        }
        byte[] chunk = inflate(inflater, z);
        int p = 0;
        while (p < chunk.length) {
          if (chunk.length - p < 8) {
            throw new PackFormatException("corrupt pack file: truncated record");
          }
          long blocknr = ByteBuffer.wrap(chunk, p, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
          int from = p + 8;
          p = dec.decode(chunk, from, chunk.length);
          if (blocknr < 0 || blocknr >= header.nrBlocks()) {
            throw new PackFormatException(
                "corrupt pack file: block "
                    + Long.toUnsignedString(blocknr)
                    + " is beyond the packed device's "
                    + header.nrBlocks()
                    + " blocks");
          }
          ByteBuffer block = ByteBuffer.wrap(dec.block()).order(ByteOrder.LITTLE_ENDIAN);
          if (Checksums.classify(block) == BlockKind.UNKNOWN) {
            throw new PackFormatException(
                "corrupt pack file: block " + blocknr + " unpacks with a bad checksum");
          }
          visitor.record(blocknr, block, chunk, from, p);
          records++;
        }
      }
    } finally {
      inflater.end();
    }
    return records;
  }

  private static byte[] inflate(Inflater inf, byte[] z) throws PackFormatException {
    inf.reset();
    inf.setInput(z);
    ByteArrayOutputStream out = new ByteArrayOutputStream(z.length * 4);
    byte[] buf = new byte[1 << 16];
    try {
      while (!inf.finished()) {
        int n = inf.inflate(buf);
        if (n == 0 && (inf.needsInput() || inf.needsDictionary())) {
          throw new PackFormatException("corrupt pack file: truncated zlib stream");
        }
        out.write(buf, 0, n);
      }
    } catch (DataFormatException e) {
      throw new PackFormatException("corrupt pack file: " + e.getMessage());
    }
    if (inf.getRemaining() != 0) {
      throw new PackFormatException("corrupt pack file: data after a zlib stream");
    }
    return out.toByteArray();
  }

  /** Size in bytes of the device the pack describes. */
  public long deviceBytes() {
    return header.nrBlocks() * Blocks.BLOCK_SIZE;
  }
}
