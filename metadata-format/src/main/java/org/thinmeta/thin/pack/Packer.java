package org.thinmeta.thin.pack;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.zip.Deflater;
import org.thinmeta.pdata.checksum.BlockKind;
import org.thinmeta.pdata.checksum.Checksums;
import org.thinmeta.pdata.io.BlockDevice;

/**
 * Writes a pack file of a metadata device: every block whose checksum identifies a known kind
 * (format doc §1.2) is packed, in ascending block order; everything else unpacks as zeros. Unlike
 * the reference (quirk Q5) no block is ever left out. Segments of the device are encoded and
 * compressed in parallel; the output does not depend on the number of threads.
 */
public final class Packer {
  /** Records per zlib chunk. */
  public static final int RECORDS_PER_CHUNK = 1024;

  /** Blocks per unit of parallel work. */
  static final int SEGMENT_BLOCKS = 8192;

  private final int threads;

  /** A packer using up to {@code threads} worker threads. */
  public Packer(int threads) {
    this.threads = Math.max(1, threads);
  }

  /** Statistics of one pack run. */
  public record Stats(long nrBlocks, long packedBlocks) {}

  /** Packs every known block of {@code dev} to {@code out} (not closed). */
  public Stats pack(BlockDevice dev, OutputStream out) throws IOException {
    long nr = dev.nrBlocks();
    out.write(PackHeader.of(nr).encode());
    long segments = (nr + SEGMENT_BLOCKS - 1) / SEGMENT_BLOCKS;
    long packed = 0;
    if (threads == 1 || segments <= 1) {
      for (long s = 0; s < segments; s++) {
        Segment seg = packSegment(dev, s);
        seg.writeTo(out);
        packed += seg.records;
      }
      return new Stats(nr, packed);
    }
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      ArrayDeque<Future<Segment>> window = new ArrayDeque<>();
      long next = 0;
      while (next < segments || !window.isEmpty()) {
        while (next < segments && window.size() < 2 * threads) {
          long s = next++;
          window.add(pool.submit(() -> packSegment(dev, s)));
        }
        Segment seg = get(window.poll());
        seg.writeTo(out);
        packed += seg.records;
      }
    } finally {
      pool.shutdownNow();
    }
    return new Stats(nr, packed);
  }

  private static Segment get(Future<Segment> f) throws IOException {
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      throw new IOException(e.getCause());
    }
  }

  private static Segment packSegment(BlockDevice dev, long segment) throws IOException {
    long from = segment * SEGMENT_BLOCKS;
    long to = Math.min(dev.nrBlocks(), from + SEGMENT_BLOCKS);
    BlockEncoder enc = new BlockEncoder();
    ByteSink records = new ByteSink(1 << 16);
    Deflater deflater = new Deflater();
    Segment seg = new Segment();
    int inChunk = 0;
    try {
      for (long b = from; b < to; b++) {
        ByteBuffer block = dev.read(b);
        if (Checksums.classify(block) == BlockKind.UNKNOWN) {
          continue;
        }
        enc.sink().reset();
        enc.encodeInto(block);
        records.le(b, 8);
        records.bytes(enc.sink().array(), 0, enc.sink().size());
        seg.records++;
        if (++inChunk == RECORDS_PER_CHUNK) {
          seg.chunks.add(compress(deflater, records));
          records.reset();
          inChunk = 0;
        }
      }
      if (inChunk > 0) {
        seg.chunks.add(compress(deflater, records));
      }
    } finally {
      deflater.end();
    }
    return seg;
  }

  /** One zlib stream of the records, prefixed with its u64 length. */
  private static byte[] compress(Deflater d, ByteSink records) {
    d.reset();
    d.setInput(records.array(), 0, records.size());
    d.finish();
    ByteSink z = new ByteSink(records.size() / 4 + 64);
    z.le(0, 8);
    byte[] buf = new byte[1 << 16];
    while (!d.finished()) {
      int n = d.deflate(buf);
      z.bytes(buf, 0, n);
    }
    byte[] out = z.toByteArray();
    ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN).putLong(0, out.length - 8L);
    return out;
  }

  private static final class Segment {
    final List<byte[]> chunks = new ArrayList<>();
    long records;

    void writeTo(OutputStream out) throws IOException {
      for (byte[] c : chunks) {
        out.write(c);
      }
    }
  }
}
