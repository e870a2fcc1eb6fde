package org.thinmeta.repair.salvage;

import java.util.ArrayList;
import java.util.List;

/** Pool-level findings of a salvage, in the order they were made. */
final class SalvageReport {
  final List<String> superblock = new ArrayList<>();
  final List<String> notes = new ArrayList<>();
  final List<String> lost = new ArrayList<>();

  void superblockRebuilt(String s) {
    superblock.add(s);
  }

  void note(String s) {
    notes.add(s);
  }

  void lost(String s) {
    lost.add(s);
  }
}
