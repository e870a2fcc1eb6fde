package org.thinmeta.pdata.build;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.thinmeta.pdata.io.BlockDevice;
import org.thinmeta.pdata.io.Blocks;

/**
 * A block device for bulk writers: it gathers writes to consecutive blocks into one request of up
 * to {@value #RUN_BLOCKS} blocks, and forces what was written to stable storage in the background
 * every so many blocks, so that the writer's final flush has little left to wait for. Reads see
 * every write. {@link #flush} returns only when every write so far is stable; writes not yet
 * flushed are lost by {@link #close}, which stops the background thread but does not close the
 * device underneath.
 */
public final class WriteBehindDevice implements BlockDevice {
  /** Most blocks gathered into one write request. */
  public static final int RUN_BLOCKS = 64;

  private final BlockDevice device;
  private final long every;
  private final ByteBuffer run =
      ByteBuffer.allocate(RUN_BLOCKS * Blocks.BLOCK_SIZE).order(java.nio.ByteOrder.LITTLE_ENDIAN);
  private long runStart;
  private int runCount;
  private final ExecutorService flusher;
  private Future<?> inFlight;
  private long sinceFlush;

  /** Wraps {@code device}, starting a background flush after every {@code every} blocks. */
  public WriteBehindDevice(BlockDevice device, long every) {
    this.device = device;
    this.every = every;
    this.flusher =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = new Thread(r, "write-behind");
              t.setDaemon(true);
              return t;
            });
  }

  @Override
  public long nrBlocks() {
    return device.nrBlocks();
  }

  @Override
  public ByteBuffer read(long location) throws IOException {
    if (runCount > 0 && location >= runStart && location < runStart + runCount) {
      ByteBuffer out = Blocks.allocate();
      int from = (int) (location - runStart) * Blocks.BLOCK_SIZE;
      out.put(run.duplicate().position(from).limit(from + Blocks.BLOCK_SIZE));
      return out.clear();
    }
    return device.read(location);
  }

  @Override
  public void write(long location, ByteBuffer block) throws IOException {
    if (location < 0 || location >= device.nrBlocks()) {
      throw new IOException("block " + location + " is beyond the end of " + device.description());
    }
    if (runCount > 0 && (location != runStart + runCount || runCount == RUN_BLOCKS)) {
      writeRun();
    }
    if (runCount == 0) {
      runStart = location;
    }
    run.position(runCount * Blocks.BLOCK_SIZE);
    run.put(block.duplicate().position(0).limit(Blocks.BLOCK_SIZE));
    run.clear();
    runCount++;
  }

  private void writeRun() throws IOException {
    if (runCount == 0) {
      return;
    }
    int n = runCount;
    runCount = 0;
    device.writeBlocks(runStart, run, n);
    sinceFlush += n;
    if (sinceFlush >= every && (inFlight == null || inFlight.isDone())) {
      await();
      sinceFlush = 0;
      inFlight =
          flusher.submit(
              () -> {
                device.flush();
                return null;
              });
    }
  }

  @Override
  public void flush() throws IOException {
    writeRun();
    await();
    device.flush();
  }

  private void await() throws IOException {
    Future<?> f = inFlight;
    inFlight = null;
    if (f == null) {
      return;
    }
    try {
      f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while flushing");
    } catch (ExecutionException e) {
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      throw new IOException("background flush failed", e.getCause());
    }
  }

  @Override
  public boolean readOnly() {
    return device.readOnly();
  }

  @Override
  public String description() {
    return device.description();
  }

  /** Waits for a background flush in progress and stops the thread. */
  @Override
  public void close() throws IOException {
    try {
      await();
    } finally {
      flusher.shutdown();
    }
  }
}
