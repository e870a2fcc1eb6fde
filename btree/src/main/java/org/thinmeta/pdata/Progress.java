package org.thinmeta.pdata;

/**
 * Receives progress of a long run, so the command line can show it. Implementations must be
 * thread-safe and cheap: {@link #advance} is called on hot paths.
 */
public interface Progress {
  /** Progress that goes nowhere. */
  Progress NONE =
      new Progress() {
        @Override
        public void begin(String title, long total) {}

        @Override
        public void advance(long units) {}

        @Override
        public void end() {}
      };

  /** Starts a phase of {@code total} units (0 if unknown). */
  void begin(String title, long total);

  /** Records {@code units} more units done. */
  void advance(long units);

  /** Ends the current phase. */
  void end();
}
