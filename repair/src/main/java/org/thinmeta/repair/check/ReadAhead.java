package org.thinmeta.repair.check;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.thinmeta.pdata.io.BlockDevice;
import org.thinmeta.pdata.io.Blocks;

/**
 * A view of a device for one thread's walk that reads the children of an internal node ahead, in
 * runs of consecutive blocks (one I/O per run), and serves the walk's reads from them. Bounded: at
 * most {@link #CAPACITY} blocks are held. Not thread-safe.
 */
final class ReadAhead implements BlockDevice {
  /** Blocks held at most. */
  static final int CAPACITY = 512;

  /** Longest run read at once. */
  static final int MAX_RUN = 256;

  private final BlockDevice device;
  private final Map<Long, ByteBuffer> blocks =
      new LinkedHashMap<>(64, 0.75f, false) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, ByteBuffer> eldest) {
          return size() > CAPACITY;
        }
      };

  ReadAhead(BlockDevice device) {
    this.device = device;
  }

  /** Reads these blocks ahead (locations outside the device are skipped). */
  void prefetch(long[] locations, int n) throws IOException {
    long[] locs = Arrays.copyOf(locations, n);
    Arrays.sort(locs);
    int i = 0;
    while (i < n) {
      long first = locs[i];
      if (first < 0 || first >= device.nrBlocks() || blocks.containsKey(first)) {
        i++;
        continue;
      }
      int run = 1;
      while (i + run < n
          && run < MAX_RUN
          && locs[i + run] == first + run
          && first + run < device.nrBlocks()) {
        run++;
      }
      ByteBuffer all = run == 1 ? device.read(first) : device.readRun(first, run);
      for (int j = 0; j < run; j++) {
        ByteBuffer b =
            all.slice(j * Blocks.BLOCK_SIZE, Blocks.BLOCK_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        blocks.put(first + j, b);
      }
      i += run;
    }
  }

  @Override
  public ByteBuffer read(long location) throws IOException {
    ByteBuffer b = blocks.remove(location);
    return b != null ? b : device.read(location);
  }

  @Override
  public long nrBlocks() {
    return device.nrBlocks();
  }

  @Override
  public void write(long location, ByteBuffer block) throws IOException {
    throw new IOException("read-ahead view is read-only");
  }

  @Override
  public void flush() {}

  @Override
  public boolean readOnly() {
    return true;
  }

  @Override
  public String description() {
    return device.description();
  }

  @Override
  public void close() {}
}
