package org.thinmeta.repair.check;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.thinmeta.pdata.damage.Severity;
import org.thinmeta.repair.check.CheckListener.Level;

/**
 * Collects problems, prints the first few of each kind through the listener and summarises the
 * rest, so that a thousand damaged blocks give a readable report. Thread-safe.
 */
final class ProblemLog {
  /** Problems of one kind printed (and kept) before the rest are only counted. */
  static final int EXAMPLES = 10;

  private final CheckListener listener;
  private final Map<Problem.Kind, Long> counts = new EnumMap<>(Problem.Kind.class);
  private final Map<Problem.Kind, Integer> kept = new EnumMap<>(Problem.Kind.class);
  private final Map<Problem.Kind, Long> unshown = new EnumMap<>(Problem.Kind.class);
  private final Map<Problem.Kind, Boolean> unshownFatal = new EnumMap<>(Problem.Kind.class);
  private final List<Problem> examples = new ArrayList<>();
  private long fatal;
  private final java.util.EnumSet<Problem.Kind> nonFatalKinds =
      java.util.EnumSet.noneOf(Problem.Kind.class);

  ProblemLog(CheckListener listener) {
    this.listener = listener;
  }

  /** Records a problem and prints it, unless enough of its kind were printed already. */
  synchronized void report(Problem p) {
    if (add(p)) {
      listener.message(level(p.severity()), p.message());
    } else {
      unshown.merge(p.kind(), 1L, Long::sum);
      unshownFatal.merge(p.kind(), p.isFatal(), Boolean::logicalOr);
    }
  }

  /** Records a problem without printing it (its text is printed another way). */
  synchronized void record(Problem p) {
    add(p);
  }

  /**
   * Records {@code total} problems of one kind of which {@code firstFew} (in the order to print)
   * are known in detail; prints those and a line for the rest.
   */
  synchronized void reportAll(Problem.Kind kind, List<Problem> firstFew, long total) {
    long shown = 0;
    for (Problem p : firstFew) {
      if (shown >= EXAMPLES) {
        break;
      }
      report(p);
      shown++;
    }
    long rest = total - shown;
    if (rest > 0) {
      counts.merge(kind, rest, Long::sum);
      unshown.merge(kind, rest, Long::sum);
      Severity s = firstFew.isEmpty() ? Severity.FATAL : firstFew.get(0).severity();
      unshownFatal.merge(kind, s == Severity.FATAL, Boolean::logicalOr);
      noteSeverity(kind, s);
    }
    summarise(Set.of(kind));
  }

  /** Prints one line per kind that has problems not printed yet, then forgets them. */
  synchronized void summarise() {
    summarise(unshown.keySet());
  }

  private void summarise(Set<Problem.Kind> kinds) {
    for (Problem.Kind k : List.copyOf(kinds)) {
      Long n = unshown.remove(k);
      boolean fatal = Boolean.TRUE.equals(unshownFatal.remove(k));
      if (n != null && n > 0) {
        Level level = fatal ? Level.FATAL : Level.NON_FATAL;
        listener.message(
            level, "... and " + n + " more " + k.label() + " problem" + (n == 1 ? "" : "s"));
      }
    }
  }

  /** Prints a message. */
  void message(Level level, String text) {
    listener.message(level, text);
  }

  synchronized boolean hasFatal() {
    return fatal > 0;
  }

  synchronized long fatalCount() {
    return fatal;
  }

  synchronized boolean hasNonFatal() {
    return !nonFatalKinds.isEmpty();
  }

  /** Forgets the non-fatal problems of {@code kinds}: they were repaired. */
  synchronized void repaired(Set<Problem.Kind> kinds) {
    nonFatalKinds.removeAll(kinds);
  }

  synchronized long count(Problem.Kind kind) {
    return counts.getOrDefault(kind, 0L);
  }

  synchronized List<Problem> examples() {
    return new ArrayList<>(examples);
  }

  synchronized Map<Problem.Kind, Long> counts() {
    return new EnumMap<>(counts);
  }

  private boolean add(Problem p) {
    counts.merge(p.kind(), 1L, Long::sum);
    noteSeverity(p.kind(), p.severity());
    int k = kept.getOrDefault(p.kind(), 0);
    if (k >= EXAMPLES) {
      return false;
    }
    kept.put(p.kind(), k + 1);
    examples.add(p);
    return true;
  }

  private void noteSeverity(Problem.Kind kind, Severity s) {
    if (s == Severity.FATAL) {
      fatal++;
    } else {
      nonFatalKinds.add(kind);
    }
  }

  private static Level level(Severity s) {
    return s == Severity.FATAL ? Level.FATAL : Level.NON_FATAL;
  }
}
