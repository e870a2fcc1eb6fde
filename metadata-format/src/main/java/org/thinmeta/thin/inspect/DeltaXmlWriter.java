package org.thinmeta.thin.inspect;

import java.io.IOException;
import java.io.OutputStream;
import org.thinmeta.thin.xml.AsciiWriter;

/**
 * Writes thin_delta's XML (format doc §10.2): a {@code <superblock>} without version, one {@code
 * <diff>}, and either one empty element per delta or, verbose, {@code <range>}s grouped in a
 * container per run of one kind. Every line, the last included, ends with a newline (as 0.9.0).
 *
 * <p>Through {@link AsciiWriter}, as thin_dump: a delta of snapshots of scattered blocks is
 * hundreds of thousands of short lines, and building them as strings was a large part of the run.
 */
public final class DeltaXmlWriter implements MappingDelta.Sink {
  private static final byte[][] OPEN = new byte[4][];
  private static final byte[][] CONTAINER_OPEN = new byte[4][];
  private static final byte[][] CONTAINER_CLOSE = new byte[4][];
  private static final byte[] LENGTH = AsciiWriter.ascii("\" length=\"");
  private static final byte[] END = AsciiWriter.ascii("\"/>\n");
  private static final byte[] RANGE = AsciiWriter.ascii("      <range begin=\"");
  private static final byte[] DATA_BEGIN = AsciiWriter.ascii("\" data_begin=\"");
  private static final byte[] LEFT_DATA_BEGIN = AsciiWriter.ascii("\" left_data_begin=\"");
  private static final byte[] RIGHT_DATA_BEGIN = AsciiWriter.ascii("\" right_data_begin=\"");

  static {
    for (MappingDelta.Kind k : MappingDelta.Kind.values()) {
      OPEN[k.ordinal()] = AsciiWriter.ascii("    <" + name(k) + " begin=\"");
      CONTAINER_OPEN[k.ordinal()] = AsciiWriter.ascii("    <" + name(k) + ">\n");
      CONTAINER_CLOSE[k.ordinal()] = AsciiWriter.ascii("    </" + name(k) + ">\n");
    }
  }

  private final AsciiWriter w;
  private final boolean verbose;
  private MappingDelta.Kind open;

  /** Writes to {@code out} (buffered here; flushed by {@link #end}). */
  public DeltaXmlWriter(OutputStream out, boolean verbose) {
    this.w = new AsciiWriter(out);
    this.verbose = verbose;
  }

  /**
   * Writes the opening lines.
   *
   * @param flags the superblock flags; {@code flags="1"} is shown only when NEEDS_CHECK is set
   * @param left {@code left="N"} or {@code left_root="N"} attribute text
   * @param right likewise for the right side
   */
  public void begin(
      long time,
      long transaction,
      int flags,
      long dataBlockSize,
      long nrDataBlocks,
      String left,
      String right)
      throws IOException {
    w.text("<superblock uuid=\"\" time=\"").num(time);
    w.text("\" transaction=\"").num(transaction);
    if ((flags & 1) != 0) {
      w.text("\" flags=\"1");
    }
    w.text("\" data_block_size=\"").num(dataBlockSize);
    w.text("\" nr_data_blocks=\"").num(nrDataBlocks).text("\">\n");
    w.text("  <diff ").text(left).text(" ").text(right).text(">\n");
  }

  @Override
  public void segment(MappingDelta.Kind kind, long begin, long ld, long rd, long len)
      throws IOException {
    if (!verbose) {
      w.bytes(OPEN[kind.ordinal()]).num(begin).bytes(LENGTH).num(len).bytes(END);
      return;
    }
    if (open != kind) {
      closeContainer();
      w.bytes(CONTAINER_OPEN[kind.ordinal()]);
      open = kind;
    }
    w.bytes(RANGE).num(begin);
    switch (kind) {
      case LEFT_ONLY, SAME -> w.bytes(DATA_BEGIN).num(ld);
      case RIGHT_ONLY -> w.bytes(DATA_BEGIN).num(rd);
      case DIFFERENT -> w.bytes(LEFT_DATA_BEGIN).num(ld).bytes(RIGHT_DATA_BEGIN).num(rd);
    }
    w.bytes(LENGTH).num(len).bytes(END);
  }

  private void closeContainer() throws IOException {
    if (open != null) {
      w.bytes(CONTAINER_CLOSE[open.ordinal()]);
      open = null;
    }
  }

  /** Writes the closing lines and flushes. */
  public void end() throws IOException {
    closeContainer();
    w.text("  </diff>\n</superblock>\n");
    w.flush();
  }

  private static String name(MappingDelta.Kind k) {
    return switch (k) {
      case LEFT_ONLY -> "left_only";
      case RIGHT_ONLY -> "right_only";
      case SAME -> "same";
      case DIFFERENT -> "different";
    };
  }
}
