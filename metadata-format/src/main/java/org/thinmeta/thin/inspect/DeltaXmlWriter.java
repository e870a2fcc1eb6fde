package org.thinmeta.thin.inspect;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Writes thin_delta's XML (format doc §10.2): a {@code <superblock>} without version, one {@code
 * <diff>}, and either one empty element per delta or, verbose, {@code <range>}s grouped in a
 * container per run of one kind. Every line, the last included, ends with a newline (as 0.9.0).
 */
public final class DeltaXmlWriter implements MappingDelta.Sink {
  private final OutputStream out;
  private final boolean verbose;
  private final StringBuilder sb = new StringBuilder(1 << 16);
  private MappingDelta.Kind open;

  /** Writes to {@code out} (buffered here; flushed by {@link #end}). */
  public DeltaXmlWriter(OutputStream out, boolean verbose) {
    this.out = out;
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
    sb.append("<superblock uuid=\"\" time=\"").append(u(time));
    sb.append("\" transaction=\"").append(u(transaction));
    if ((flags & 1) != 0) {
      sb.append("\" flags=\"1");
    }
    sb.append("\" data_block_size=\"").append(u(dataBlockSize));
    sb.append("\" nr_data_blocks=\"").append(u(nrDataBlocks)).append("\">\n");
    sb.append("  <diff ").append(left).append(' ').append(right).append(">\n");
    drainIfBig();
  }

  @Override
  public void segment(MappingDelta.Kind kind, long begin, long ld, long rd, long len)
      throws IOException {
    String name = name(kind);
    if (!verbose) {
      sb.append("    <").append(name).append(" begin=\"").append(u(begin));
      sb.append("\" length=\"").append(u(len)).append("\"/>\n");
      drainIfBig();
      return;
    }
    if (open != kind) {
      closeContainer();
      sb.append("    <").append(name).append(">\n");
      open = kind;
    }
    sb.append("      <range begin=\"").append(u(begin));
    switch (kind) {
      case LEFT_ONLY, SAME -> sb.append("\" data_begin=\"").append(u(ld));
      case RIGHT_ONLY -> sb.append("\" data_begin=\"").append(u(rd));
      case DIFFERENT -> {
        sb.append("\" left_data_begin=\"").append(u(ld));
        sb.append("\" right_data_begin=\"").append(u(rd));
      }
    }
    sb.append("\" length=\"").append(u(len)).append("\"/>\n");
    drainIfBig();
  }

  private void closeContainer() {
    if (open != null) {
      sb.append("    </").append(name(open)).append(">\n");
      open = null;
    }
  }

  /** Writes the closing lines and flushes. */
  public void end() throws IOException {
    closeContainer();
    sb.append("  </diff>\n</superblock>\n");
    drain();
    out.flush();
  }

  private static String name(MappingDelta.Kind k) {
    return switch (k) {
      case LEFT_ONLY -> "left_only";
      case RIGHT_ONLY -> "right_only";
      case SAME -> "same";
      case DIFFERENT -> "different";
    };
  }

  private static String u(long v) {
    return Long.toUnsignedString(v);
  }

  private void drainIfBig() throws IOException {
    if (sb.length() > (1 << 16)) {
      drain();
    }
  }

  private void drain() throws IOException {
    out.write(sb.toString().getBytes(StandardCharsets.US_ASCII));
    sb.setLength(0);
  }
}
