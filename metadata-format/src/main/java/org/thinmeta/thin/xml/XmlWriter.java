package org.thinmeta.thin.xml;

import java.io.IOException;
import java.io.OutputStream;
import org.thinmeta.thin.ir.DeviceInfo;
import org.thinmeta.thin.ir.MetadataVisitor;
import org.thinmeta.thin.ir.SuperblockInfo;

/**
 * Writes the thin_dump XML in the 0.9.0 reference's layout: two-space indentation, {@code flags}
 * always present, a newline after every line including the last.
 */
public final class XmlWriter implements MetadataVisitor {
  private final AsciiWriter w;

  /** Writes to {@code out}; call {@link #superblockEnd} to flush. */
  public XmlWriter(OutputStream out) {
    this.w = new AsciiWriter(out);
  }

  @Override
  public void superblockBegin(SuperblockInfo sb) throws IOException {
    w.text("<superblock uuid=\"").text(sb.uuid());
    w.text("\" time=\"").num(sb.time());
    w.text("\" transaction=\"").num(sb.transaction());
    w.text("\" flags=\"").num(sb.flags() == null ? 0 : sb.flags());
    w.text("\" version=\"").num(sb.version() == null ? 1 : sb.version());
    w.text("\" data_block_size=\"").num(sb.dataBlockSize());
    w.text("\" nr_data_blocks=\"").num(sb.nrDataBlocks());
    if (sb.metadataSnap() != null) {
      w.text("\" metadata_snap=\"").num(sb.metadataSnap());
    }
    w.text("\">\n");
  }

  @Override
  public void superblockEnd() throws IOException {
    w.text("</superblock>\n");
    w.flush();
  }

  @Override
  public void deviceBegin(DeviceInfo d) throws IOException {
    w.text("  <device dev_id=\"").num(d.devId());
    w.text("\" mapped_blocks=\"").num(d.mappedBlocks());
    w.text("\" transaction=\"").num(d.transaction());
    w.text("\" creation_time=\"").num(d.creationTime());
    w.text("\" snap_time=\"").num(d.snapTime());
    w.text("\">\n");
  }

  @Override
  public void deviceEnd() throws IOException {
    w.text("  </device>\n");
  }

  @Override
  public void map(long thinBegin, long dataBegin, long length, long time) throws IOException {
    if (length == 1) {
      w.text("    <single_mapping origin_block=\"").num(thinBegin);
      w.text("\" data_block=\"").num(dataBegin);
    } else {
      w.text("    <range_mapping origin_begin=\"").num(thinBegin);
      w.text("\" data_begin=\"").num(dataBegin);
      w.text("\" length=\"").num(length);
    }
    w.text("\" time=\"").num(time).text("\"/>\n");
  }

  /** Writes out what is buffered (used when a dump stops on damage). */
  public void flush() throws IOException {
    w.flush();
  }
}
