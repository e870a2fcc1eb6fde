package org.thinmeta.thin.xml;

import java.io.IOException;
import java.io.OutputStream;
import org.thinmeta.thin.ir.DeviceInfo;
import org.thinmeta.thin.ir.MetadataVisitor;
import org.thinmeta.thin.ir.SuperblockInfo;

/** Writes thin_dump's {@code -f human_readable} format in the 0.9.0 reference's layout. */
public final class HumanReadableWriter implements MetadataVisitor {
  private final AsciiWriter w;

  /** Writes to {@code out}; call {@link #superblockEnd} to flush. */
  public HumanReadableWriter(OutputStream out) {
    this.w = new AsciiWriter(out);
  }

  @Override
  public void superblockBegin(SuperblockInfo sb) throws IOException {
    w.text("begin superblock: \"").text(sb.uuid()).text("\", ").num(sb.time());
    w.text(", ").num(sb.transaction());
    w.text(", ").num(sb.flags() == null ? 0 : sb.flags());
    w.text(", ").num(sb.version() == null ? 1 : sb.version());
    w.text(", ").num(sb.dataBlockSize());
    w.text(", ").num(sb.nrDataBlocks());
    if (sb.metadataSnap() != null) {
      w.text(", ").num(sb.metadataSnap());
    }
    w.text("\n");
  }

  @Override
  public void superblockEnd() throws IOException {
    w.text("end superblock\n");
    w.flush();
  }

  @Override
  public void deviceBegin(DeviceInfo d) throws IOException {
    w.text("device: ").num(d.devId()).text("\n");
    w.text("mapped_blocks: ").num(d.mappedBlocks()).text("\n");
    w.text("transaction: ").num(d.transaction()).text("\n");
    w.text("creation time: ").num(d.creationTime()).text("\n");
    w.text("snap time: ").num(d.snapTime()).text("\n");
  }

  @Override
  public void deviceEnd() throws IOException {
    w.text("\n");
  }

  @Override
  public void map(long thinBegin, long dataBegin, long length, long time) throws IOException {
    if (length == 1) {
      w.text("    ").num(thinBegin).text(" -> ").num(dataBegin);
    } else {
      w.text("    (").num(thinBegin).text("..").num(thinBegin + length - 1);
      w.text(") -> (").num(dataBegin).text("..").num(dataBegin + length - 1).text(")");
    }
    w.text(", ").num(time).text("\n");
  }

  /** Writes out what is buffered. */
  public void flush() throws IOException {
    w.flush();
  }
}
