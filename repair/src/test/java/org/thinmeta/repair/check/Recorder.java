package org.thinmeta.repair.check;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/** Records what a check says, for assertions. */
final class Recorder implements CheckListener {
  final List<String> stdout = new ArrayList<>();
  final List<String> lines = new ArrayList<>();
  final List<Level> levels = new ArrayList<>();

  @Override
  public synchronized void superblockInfo(long transactionId, long metadataFreeBlocks) {
    stdout.add("TRANSACTION_ID=" + transactionId);
    stdout.add("METADATA_FREE_BLOCKS=" + metadataFreeBlocks);
  }

  @Override
  public synchronized void message(Level level, String text) {
    lines.add(text);
    levels.add(level);
  }

  /** Lines at {@code level}. */
  synchronized List<String> at(Level level) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      if (levels.get(i) == level) {
        out.add(lines.get(i));
      }
    }
    return out;
  }

  /** Lines as stderr would show them (no info/debug). */
  synchronized String text() {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      if (levels.get(i) != Level.INFO && levels.get(i) != Level.DEBUG) {
        out.add(lines.get(i));
      }
    }
    return out.stream().collect(Collectors.joining("\n"));
  }
}
