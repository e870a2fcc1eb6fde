package org.thinmeta.repair.restore;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Runs the building half of a restore on a second thread, so that parsing the input and building
 * trees (with their cache-unfriendly data-block counting) use two cores. The producer validates
 * events and hands over batches of mappings and structural commands in order; the builder thread
 * applies them. A failure on the builder thread is reported to the producer at its next call (or by
 * {@link #finish}); after one, the rest of the queue is discarded.
 */
final class BuildPipeline implements AutoCloseable {
  /** Mappings per batch. */
  static final int BATCH = 4096;

  private static final int BATCHES = 16;

  /**
   * A producer that finds no free batch sleeps until this many are free again, rather than being
   * woken for each one: on a busy machine every wake-up waits for a time slice.
   */
  private static final int WAKE_AT = BATCHES / 2;

  /** Work for the builder thread. */
  @FunctionalInterface
  interface Command {
    /** Runs on the builder thread. */
    void run() throws IOException;
  }

  /** Applies one run of mappings on the builder thread. */
  @FunctionalInterface
  interface MapSink {
    /** Thin blocks [thin, thin + length) map to data blocks [data, ...) at {@code time}. */
    void map(long thin, long data, long length, long time) throws IOException;
  }

  /** A batch of runs: 4 longs each (thin, data, length, time). */
  private static final class Batch {
    final long[] runs = new long[4 * BATCH];
    int n;
  }

  private static final Object END = new Object();

  private final BlockingQueue<Object> work = new ArrayBlockingQueue<>(BATCHES + 16);
  private final BlockingQueue<Batch> free = new ArrayBlockingQueue<>(BATCHES);
  private final MapSink sink;
  private final Thread thread;
  private volatile Throwable failure;
  private final Object wake = new Object();
  private boolean producerWaiting;
  private volatile boolean stopped;
  private Batch current;
  private boolean ended;

  /** Starts the builder thread, which sends mappings to {@code sink}. */
  BuildPipeline(MapSink sink) {
    this.sink = sink;
    for (int i = 0; i < BATCHES; i++) {
      free.add(new Batch());
    }
    thread = new Thread(this::loop, "restore-builder");
    thread.setDaemon(true);
    thread.start();
  }

  private void loop() {
    try {
      while (true) {
        Object item = work.take();
        if (item == END) {
          return;
        }
        if (item instanceof Batch b) {
          if (failure == null) {
            try {
              long[] r = b.runs;
              for (int i = 0; i < b.n; i++) {
                sink.map(r[4 * i], r[4 * i + 1], r[4 * i + 2], r[4 * i + 3]);
              }
            } catch (Throwable t) {
              failure = t;
            }
          }
          b.n = 0;
          free.add(b);
          if (free.size() >= WAKE_AT) {
            synchronized (wake) {
              if (producerWaiting) {
                wake.notifyAll();
              }
            }
          }
        } else if (failure == null) {
          try {
            ((Command) item).run();
          } catch (Throwable t) {
            failure = t;
          }
        }
      }
    } catch (InterruptedException e) {
      failure = e;
    } finally {
      stopped = true;
      synchronized (wake) {
        wake.notifyAll();
      }
    }
  }

  /** Queues one run of mappings. */
  void map(long thin, long data, long length, long time) throws IOException {
    if (current == null) {
      checkFailure();
      current = take();
    }
    long[] r = current.runs;
    int i = 4 * current.n;
    r[i] = thin;
    r[i + 1] = data;
    r[i + 2] = length;
    r[i + 3] = time;
    if (++current.n == BATCH) {
      submitBatch();
    }
  }

  /** Queues a command after the mappings queued so far. */
  void run(Command c) throws IOException {
    submitBatch();
    checkFailure();
    put(c);
  }

  /** Waits until everything queued has run; rethrows a failure of the builder thread. */
  void finish() throws IOException {
    submitBatch();
    end();
    checkFailure();
  }

  /** Stops the builder thread (after what is queued) and waits for it. */
  @Override
  public void close() throws IOException {
    if (!ended) {
      failure = failure == null ? new IOException("restore abandoned") : failure;
      end();
    }
  }

  private void end() throws IOException {
    ended = true;
    put(END);
    try {
      thread.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting for the builder");
    }
  }

  private void submitBatch() throws IOException {
    if (current != null) {
      Batch b = current;
      current = null;
      put(b);
    }
  }

  private Batch take() throws IOException {
    Batch b = free.poll();
    if (b != null) {
      return b;
    }
    try {
      synchronized (wake) {
        producerWaiting = true;
        while (free.size() < WAKE_AT && !stopped) {
          wake.wait();
        }
        producerWaiting = false;
      }
      b = free.poll();
      if (b == null) {
        checkFailure();
        throw new IOException("the restore builder thread stopped");
      }
      return b;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted");
    }
  }

  private void put(Object item) throws IOException {
    try {
      work.put(item);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted");
    }
  }

  private void checkFailure() throws IOException {
    Throwable t = failure;
    if (t == null) {
      return;
    }
    if (t instanceof IOException e) {
      throw e;
    }
    if (t instanceof RuntimeException e) {
      throw e;
    }
    if (t instanceof Error e) {
      throw e;
    }
    throw new IOException(t);
  }
}
