package org.thinmeta.repair.salvage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.thinmeta.pdata.Progress;
import org.thinmeta.pdata.btree.NodeHeader;
import org.thinmeta.pdata.checksum.BlockKind;
import org.thinmeta.pdata.checksum.Checksums;
import org.thinmeta.pdata.io.BlockDevice;
import org.thinmeta.pdata.io.Blocks;
import org.thinmeta.thin.format.BlockTime;
import org.thinmeta.thin.format.DeviceDetails;
import org.thinmeta.thin.format.Superblock;

/**
 * Reads every block of a metadata device once, in order, in large chunks, and summarises it into a
 * {@link ScanResult}. Memory grows with the number of valid nodes, not with the device size beyond
 * five bytes per block.
 */
public final class BlockScanner {
  private static final int CHUNK = 256;
  private static final ByteBuffer ZERO =
      ByteBuffer.allocateDirect(Blocks.BLOCK_SIZE).asReadOnlyBuffer();

  private BlockScanner() {}

  /** Scans blocks {@code 0 .. dev.nrBlocks()-1}. */
  public static ScanResult scan(BlockDevice dev) throws IOException {
    return scan(dev, Progress.NONE);
  }

  /** Scans blocks {@code 0 .. dev.nrBlocks()-1}, reporting blocks read to {@code progress}. */
  public static ScanResult scan(BlockDevice dev, Progress progress) throws IOException {
    long n = dev.nrBlocks();
    progress.begin("scanning metadata", n);
    try {
      return scanAll(dev, n, progress);
    } finally {
      progress.end();
    }
  }

  private static ScanResult scanAll(BlockDevice dev, long n, Progress progress) throws IOException {
    ScanResult r = new ScanResult(n);
    long[] keys = new long[512];
    long[] values = new long[512];
    try (ChunkReader reader = new ChunkReader(dev, n)) {
      for (ChunkReader.Chunk c = reader.next(); c != null; c = reader.next()) {
        ByteBuffer chunk = c.buffer();
        for (int i = 0; i < c.count(); i++) {
          ByteBuffer b = chunk.slice(i * Blocks.BLOCK_SIZE, Blocks.BLOCK_SIZE);
          b.order(ByteOrder.LITTLE_ENDIAN);
          classify(r, c.start() + i, b, keys, values);
        }
        reader.recycle(c);
        progress.advance(c.count());
      }
    }
    return r;
  }

  /**
   * Reads the device in order on a second thread, a few chunks ahead, into reused aligned direct
   * buffers, so reading overlaps decoding.
   */
  private static final class ChunkReader implements AutoCloseable {
    record Chunk(long start, int count, ByteBuffer buffer) {}

    private static final Chunk END = new Chunk(-1, 0, null);
    private static final int BUFFERS = 3;

    private final java.util.concurrent.BlockingQueue<Chunk> full =
        new java.util.concurrent.ArrayBlockingQueue<>(BUFFERS + 1);
    private final java.util.concurrent.BlockingQueue<ByteBuffer> free =
        new java.util.concurrent.ArrayBlockingQueue<>(BUFFERS);
    private final Thread thread;
    private volatile IOException failure;
    private volatile boolean closed;

    ChunkReader(BlockDevice dev, long n) {
      for (int i = 0; i < BUFFERS; i++) {
        free.add(
            ByteBuffer.allocateDirect((CHUNK + 1) * Blocks.BLOCK_SIZE)
                .alignedSlice(Blocks.BLOCK_SIZE)
                .order(ByteOrder.LITTLE_ENDIAN));
      }
      thread = new Thread(() -> run(dev, n), "metadata-scan-reader");
      thread.setDaemon(true);
      thread.start();
    }

    private void run(BlockDevice dev, long n) {
      try {
        for (long start = 0; start < n && !closed; start += CHUNK) {
          int count = (int) Math.min(CHUNK, n - start);
          ByteBuffer b = free.take();
          b.clear().limit(count * Blocks.BLOCK_SIZE);
          dev.readRange(start, b);
          b.flip();
          full.put(new Chunk(start, count, b));
        }
      } catch (IOException e) {
        failure = e;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        full.offer(END);
      }
    }

    /** The next chunk, or null at the end. */
    Chunk next() throws IOException {
      Chunk c;
      try {
        c = full.take();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new java.io.InterruptedIOException("interrupted while scanning");
      }
      if (c == END) {
        if (failure != null) {
          throw failure;
        }
        return null;
      }
      return c;
    }

    void recycle(Chunk c) {
      free.offer(c.buffer());
    }

    /** Stops the reader without interrupting it (an interrupt would close the file channel). */
    @Override
    public void close() {
      closed = true;
      while (thread.isAlive()) {
        Chunk c = full.poll();
        if (c != null && c.buffer() != null) {
          free.offer(c.buffer());
        }
        try {
          thread.join(5);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  private static void classify(ScanResult r, long loc, ByteBuffer b, long[] keys, long[] values) {
    if (b.getLong(0) == 0 && b.getLong(8) == 0 && b.mismatch(ZERO) < 0) {
      r.setKind(loc, ScanResult.ZERO);
      return;
    }
    BlockKind kind = Checksums.classify(b);
    switch (kind) {
      case NODE -> node(r, loc, b, keys, values);
      case BITMAP -> r.setKind(loc, ScanResult.BITMAP);
      case INDEX -> r.setKind(loc, ScanResult.INDEX);
      case THIN_SUPERBLOCK -> {
        Superblock sb = Superblock.decode(b);
        if (sb.blockNr() == loc && sb.magic() == Superblock.MAGIC) {
          r.setKind(loc, ScanResult.SUPERBLOCK);
          r.addSuperblock(new ScanResult.SuperblockCopy(loc, sb));
        } else {
          r.setKind(loc, ScanResult.OTHER);
        }
      }
      case UNKNOWN -> {}
      default -> r.setKind(loc, ScanResult.OTHER);
    }
  }

  private static void node(ScanResult r, long loc, ByteBuffer b, long[] keys, long[] values) {
    NodeHeader h = NodeHeader.decode(b);
    int vs = h.valueSize();
    long max = Integer.toUnsignedLong(h.maxEntries());
    long nrU = Integer.toUnsignedLong(h.nrEntries());
    boolean leaf = h.isLeaf();
    boolean sane =
        h.blockNr() == loc
            && (leaf || h.isInternal())
            && (leaf ? (vs == 4 || vs == 8 || vs == 16 || vs == DeviceDetails.SIZE) : vs == 8)
            && NodeHeader.SIZE + max * (8 + vs) <= Blocks.BLOCK_SIZE
            && nrU <= max
            && (leaf || nrU > 0);
    if (!sane) {
      r.setKind(loc, ScanResult.BAD_NODE);
      return;
    }
    int nr = (int) nrU;
    int valuesAt = NodeHeader.SIZE + 8 * (int) max;
    boolean sorted = true;
    for (int i = 0; i < nr; i++) {
      keys[i] = b.getLong(NodeHeader.SIZE + 8 * i);
      if (i > 0 && Long.compareUnsigned(keys[i], keys[i - 1]) <= 0) {
        sorted = false;
      }
    }
    int flags = leaf ? ScanResult.F_LEAF : 0;
    if (!sorted) {
      if (!leaf) {
        r.setKind(loc, ScanResult.BAD_NODE);
        return;
      }
      flags |= ScanResult.F_UNSORTED;
    }
    if (vs == 4) {
      // Space-map reference-count leaves are not thin evidence.
      r.setKind(loc, ScanResult.OTHER);
      return;
    }
    if (vs == 16) {
      if (sorted && nr > 0) {
        r.dataIndexEvidence(keys[nr - 1], b.getLong(valuesAt + 16 * (nr - 1)));
      }
      r.setKind(loc, ScanResult.OTHER);
      return;
    }
    long maxTime = 0;
    int atMax = 0;
    long maxData = 0;
    boolean allSmall = true;
    if (vs == 8) {
      for (int i = 0; i < nr; i++) {
        values[i] = b.getLong(valuesAt + 8 * i);
      }
      if (leaf) {
        for (int i = 0; i < nr; i++) {
          long v = values[i];
          long t = BlockTime.time(v);
          if (t > maxTime) {
            maxTime = t;
            atMax = 1;
          } else if (t == maxTime) {
            atMax++;
          }
          maxData = Math.max(maxData, BlockTime.dataBlock(v));
          if (Long.compareUnsigned(v, r.smallLimit()) >= 0) {
            allSmall = false;
          }
        }
      }
    }
    if (!sorted && !sortUnique(keys, values, nr, vs == 8)) {
      r.setKind(loc, ScanResult.BAD_NODE);
      return;
    }
    long first = nr > 0 ? keys[0] : 0;
    long last = nr > 0 ? keys[nr - 1] : 0;
    boolean keep = vs == 8 && (!leaf || (allSmall && nr > 0));
    if (leaf && vs == 8 && allSmall && nr > 0) {
      flags |= ScanResult.F_ALL_SMALL;
    }
    r.addNode(
        loc,
        flags,
        vs,
        nr,
        first,
        last,
        maxTime,
        atMax,
        maxData,
        keep ? keys : null,
        keep ? values : null);
  }

  /** Sorts keys (and values alongside) ascending; false if two keys are equal. */
  private static boolean sortUnique(long[] keys, long[] values, int nr, boolean withValues) {
    for (int i = 1; i < nr; i++) {
      long k = keys[i];
      long v = withValues ? values[i] : 0;
      int j = i - 1;
      while (j >= 0 && Long.compareUnsigned(keys[j], k) > 0) {
        keys[j + 1] = keys[j];
        if (withValues) {
          values[j + 1] = values[j];
        }
        j--;
      }
      keys[j + 1] = k;
      if (withValues) {
        values[j + 1] = v;
      }
    }
    for (int i = 1; i < nr; i++) {
      if (keys[i] == keys[i - 1]) {
        return false;
      }
    }
    return true;
  }
}
