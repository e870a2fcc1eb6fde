package org.thinmeta.thin.ir;

import java.io.IOException;

/**
 * Merges single mappings given in ascending thin-block order into runs (format doc §8.4): a run
 * grows while thin and data blocks are both consecutive and the time is the same.
 */
public final class RunMerger {
  private final MetadataVisitor out;
  private long thinBegin;
  private long dataBegin;
  private long length;
  private long time;

  /** Merges into {@code out}. */
  public RunMerger(MetadataVisitor out) {
    this.out = out;
  }

  /** Adds one mapping. */
  public void add(long thin, long data, long t) throws IOException {
    if (length > 0 && thin == thinBegin + length && data == dataBegin + length && t == time) {
      length++;
      return;
    }
    flush();
    thinBegin = thin;
    dataBegin = data;
    time = t;
    length = 1;
  }

  /** Emits the pending run, if any. */
  public void flush() throws IOException {
    if (length > 0) {
      out.map(thinBegin, dataBegin, length, time);
      length = 0;
    }
  }
}
