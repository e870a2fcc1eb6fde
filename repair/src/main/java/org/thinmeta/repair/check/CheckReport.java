package org.thinmeta.repair.check;

import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The result of a check: the problems found (the first few of each kind, and how many of each), the
 * values printed on standard output, and how the check ended.
 */
public final class CheckReport {
  /** How a check ended. */
  public enum Outcome {
    /** Nothing wrong. */
    CLEAN,
    /** Only non-fatal problems (leaks, underfull or %3 nodes). */
    NON_FATAL,
    /** At least one fatal problem. */
    FATAL
  }

  private final List<Problem> problems;
  private final Map<Problem.Kind, Long> counts;
  private final Outcome outcome;
  private final String abortMessage;
  private final Long transactionId;
  private final Long metadataFreeBlocks;
  private final boolean needsCheck;
  private final boolean needsCheckCleared;

  CheckReport(
      List<Problem> problems,
      Map<Problem.Kind, Long> counts,
      Outcome outcome,
      String abortMessage,
      Long transactionId,
      Long metadataFreeBlocks,
      boolean needsCheck,
      boolean needsCheckCleared) {
    this.problems = List.copyOf(problems);
    this.counts = Collections.unmodifiableMap(new EnumMap<>(counts));
    this.outcome = outcome;
    this.abortMessage = abortMessage;
    this.transactionId = transactionId;
    this.metadataFreeBlocks = metadataFreeBlocks;
    this.needsCheck = needsCheck;
    this.needsCheckCleared = needsCheckCleared;
  }

  /** The problems kept as examples: the first few of each kind, in the order found. */
  public List<Problem> problems() {
    return problems;
  }

  /** How many problems of {@code kind} were found in all. */
  public long count(Problem.Kind kind) {
    return counts.getOrDefault(kind, 0L);
  }

  /** Total problems per kind (kinds without problems are absent). */
  public Map<Problem.Kind, Long> counts() {
    return counts;
  }

  /** How the check ended. */
  public Outcome outcome() {
    return outcome;
  }

  /** The final reason the check stopped early (possibly several lines), or null. */
  public String abortMessage() {
    return abortMessage;
  }

  /** The live superblock's transaction id, or null if the superblock could not be read. */
  public Long transactionId() {
    return transactionId;
  }

  /** Free metadata blocks per the metadata space-map root, or null if unknown. */
  public Long metadataFreeBlocks() {
    return metadataFreeBlocks;
  }

  /** True if the superblock had NEEDS_CHECK set. */
  public boolean needsCheck() {
    return needsCheck;
  }

  /** True if this run cleared NEEDS_CHECK. */
  public boolean needsCheckCleared() {
    return needsCheckCleared;
  }

  /** True if the check passed: nothing wrong, or only non-fatal problems that are ignored. */
  public boolean passed(boolean ignoreNonFatal) {
    return outcome == Outcome.CLEAN || (outcome == Outcome.NON_FATAL && ignoreNonFatal);
  }

  @Override
  public String toString() {
    return "CheckReport[" + outcome + ", counts=" + counts + ", abort=" + abortMessage + "]";
  }
}
