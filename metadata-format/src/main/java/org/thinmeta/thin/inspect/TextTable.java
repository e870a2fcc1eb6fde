package org.thinmeta.thin.inspect;

import java.util.ArrayList;
import java.util.List;

/**
 * The right-aligned grid of thin_ls: each column as wide as its longest cell, every cell followed
 * by one space (so lines end with a space), one line per row.
 */
public final class TextTable {
  private final List<String[]> rows = new ArrayList<>();
  private final int columns;

  /** A table of {@code columns} columns. */
  public TextTable(int columns) {
    this.columns = columns;
  }

  /** Adds a row of exactly {@code columns} cells. */
  public void add(String... cells) {
    if (cells.length != columns) {
      throw new IllegalArgumentException("expected " + columns + " cells, got " + cells.length);
    }
    rows.add(cells);
  }

  /** Renders the table. */
  public String render() {
    int[] width = new int[columns];
    for (String[] r : rows) {
      for (int i = 0; i < columns; i++) {
        width[i] = Math.max(width[i], r[i].length());
      }
    }
    StringBuilder sb = new StringBuilder();
    for (String[] r : rows) {
      for (int i = 0; i < columns; i++) {
        sb.append(" ".repeat(width[i] - r[i].length())).append(r[i]).append(' ');
      }
      sb.append('\n');
    }
    return sb.toString();
  }
}
