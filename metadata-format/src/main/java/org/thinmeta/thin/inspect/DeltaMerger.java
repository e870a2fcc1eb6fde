package org.thinmeta.thin.inspect;

import java.io.IOException;

/**
 * Joins delta segments into output elements. Plain mode joins consecutive segments of one kind
 * whose virtual ranges touch; verbose mode also requires the data blocks to continue (on the
 * side(s) the kind has), so every element's data addresses are exact — which is what 0.9.0 prints,
 * and not 1.3.3's merge that keeps only the first piece's data (quirk Q15).
 */
public final class DeltaMerger implements MappingDelta.Sink {
  private final MappingDelta.Sink out;
  private final boolean verbose;
  private MappingDelta.Kind kind;
  private long begin;
  private long leftData;
  private long rightData;
  private long length;

  /** Merges into {@code out}; call {@link #flush} at the end. */
  public DeltaMerger(MappingDelta.Sink out, boolean verbose) {
    this.out = out;
    this.verbose = verbose;
  }

  @Override
  public void segment(MappingDelta.Kind k, long b, long ld, long rd, long len) throws IOException {
    if (length > 0 && k == kind && b == begin + length && (!verbose || dataContinues(ld, rd))) {
      length += len;
      return;
    }
    flush();
    kind = k;
    begin = b;
    leftData = ld;
    rightData = rd;
    length = len;
  }

  private boolean dataContinues(long ld, long rd) {
    boolean l = ld == leftData + length;
    boolean r = rd == rightData + length;
    return switch (kind) {
      case LEFT_ONLY -> l;
      case RIGHT_ONLY -> r;
      case SAME, DIFFERENT -> l && r;
    };
  }

  /** Emits the pending element. */
  public void flush() throws IOException {
    if (length > 0) {
      out.segment(kind, begin, leftData, rightData, length);
      length = 0;
    }
  }
}
