package org.thinmeta.cli.support;

import java.io.PrintStream;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.thinmeta.pdata.Progress;

/**
 * Shows progress on stderr once a phase has run for {@link #DELAY_MS}: a redrawn bar on a terminal,
 * else a {@code Progress: N%} line at most every {@link #LINE_INTERVAL_MS}. Never on stdout; use
 * {@link Progress#NONE} for {@code -q}.
 */
public final class ProgressReporter implements Progress {
  /** A phase shorter than this shows nothing. */
  static final long DELAY_MS = 2000;

  /** Minimum time between two plain lines. */
  static final long LINE_INTERVAL_MS = 5000;

  private static final int BAR_WIDTH = 40;

  private final PrintStream err;
  private final boolean terminal;
  private final AtomicLong done = new AtomicLong();
  private volatile long total;
  private volatile String title = "";
  private long startNanos;
  private long lastLineNanos;
  private boolean drawn;
  private ScheduledExecutorService ticker;
  private ScheduledFuture<?> tick;

  /** A reporter writing to {@code err}; {@code terminal} selects the bar. */
  public ProgressReporter(PrintStream err, boolean terminal) {
    this.err = err;
    this.terminal = terminal;
  }

  /** The reporter for a command: {@link Progress#NONE} when quiet. */
  public static Progress of(ToolContext ctx, boolean quiet) {
    return quiet ? Progress.NONE : new ProgressReporter(ctx.err(), ctx.stderrIsTerminal());
  }

  @Override
  public synchronized void begin(String title, long total) {
    end();
    this.title = title;
    this.total = total;
    done.set(0);
    startNanos = System.nanoTime();
    lastLineNanos = startNanos;
    drawn = false;
    ticker =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "progress");
              t.setDaemon(true);
              return t;
            });
    long period = terminal ? 200 : 1000;
    tick = ticker.scheduleAtFixedRate(this::render, period, period, TimeUnit.MILLISECONDS);
  }

  @Override
  public void advance(long units) {
    done.addAndGet(units);
  }

  @Override
  public synchronized void end() {
    if (tick != null) {
      tick.cancel(false);
      ticker.shutdownNow();
      tick = null;
      ticker = null;
      if (drawn && terminal) {
        err.print("\r\033[K");
        err.flush();
      }
    }
  }

  /** Percentage done, 0..100. */
  int percent() {
    long t = total;
    if (t <= 0) {
      return 0;
    }
    return (int) Math.min(100, done.get() * 100 / t);
  }

  synchronized void render() {
    long now = System.nanoTime();
    if (now - startNanos < TimeUnit.MILLISECONDS.toNanos(DELAY_MS)) {
      return;
    }
    int pct = percent();
    if (terminal) {
      int filled = pct * BAR_WIDTH / 100;
      String bar = "=".repeat(filled) + " ".repeat(BAR_WIDTH - filled);
      err.print(String.format(Locale.ROOT, "\r%s [%s] %3d%%", title, bar, pct));
      err.flush();
      drawn = true;
    } else if (!drawn || now - lastLineNanos >= TimeUnit.MILLISECONDS.toNanos(LINE_INTERVAL_MS)) {
      err.println("Progress: " + pct + "%");
      err.flush();
      lastLineNanos = now;
      drawn = true;
    }
  }
}
