package org.thinmeta.repair.check;

/**
 * Receives what a check has to say while it runs, in order. The command line prints it; tests
 * record it.
 */
public interface CheckListener {
  /** Message levels, most severe first (format doc §7.1). */
  enum Level {
    /** A problem that fails the check, or the final reason for aborting. */
    FATAL,
    /** A problem that fails the check unless non-fatal errors are ignored. */
    NON_FATAL,
    /** Something worth knowing that does not fail the check. */
    WARNING,
    /** A section title ({@code Checking thin metadata}, {@code mapping tree}...). */
    TITLE,
    /** Statistics, shown with {@code -v}. */
    INFO,
    /** Details, shown with {@code -vv}. */
    DEBUG
  }

  /** A listener that ignores everything. */
  CheckListener NONE = new CheckListener() {};

  /** The two standard-output values, known as soon as the superblock is read. */
  default void superblockInfo(long transactionId, long metadataFreeBlocks) {}

  /** One line of output. */
  default void message(Level level, String text) {}

  /**
   * Whether messages of {@code level} are shown at all; lets the checker skip building lines that
   * nobody reads (the timings of {@code -vv}).
   */
  default boolean wants(Level level) {
    return true;
  }
}
