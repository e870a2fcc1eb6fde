package org.thinmeta.pdata.build;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.thinmeta.pdata.io.BlockDevice;

/**
 * A block device that forces its writes to stable storage in the background every so many blocks,
 * so that a bulk writer's final flush has little left to wait for. Ordering guarantees are those of
 * the device underneath: {@link #flush} returns only when every write so far is stable. Closing
 * stops the background thread but does not close the device underneath.
 */
public final class WriteBehindDevice implements BlockDevice {
  private final BlockDevice device;
  private final long every;
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
    return device.read(location);
  }

  @Override
  public void write(long location, ByteBuffer block) throws IOException {
    device.write(location, block);
    if (++sinceFlush >= every && (inFlight == null || inFlight.isDone())) {
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
