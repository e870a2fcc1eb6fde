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
  private static final byte[] DEVICE = AsciiWriter.ascii("  <device dev_id=\"");
  private static final byte[] MAPPED_BLOCKS = AsciiWriter.ascii("\" mapped_blocks=\"");
  private static final byte[] TRANSACTION = AsciiWriter.ascii("\" transaction=\"");
  private static final byte[] CREATION_TIME = AsciiWriter.ascii("\" creation_time=\"");
  private static final byte[] SNAP_TIME = AsciiWriter.ascii("\" snap_time=\"");
  private static final byte[] OPEN_END = AsciiWriter.ascii("\">\n");
  private static final byte[] DEVICE_END = AsciiWriter.ascii("  </device>\n");
  private static final byte[] SINGLE = AsciiWriter.ascii("    <single_mapping origin_block=\"");
  private static final byte[] DATA_BLOCK = AsciiWriter.ascii("\" data_block=\"");
  private static final byte[] RANGE = AsciiWriter.ascii("    <range_mapping origin_begin=\"");
  private static final byte[] DATA_BEGIN = AsciiWriter.ascii("\" data_begin=\"");
  private static final byte[] LENGTH = AsciiWriter.ascii("\" length=\"");
  private static final byte[] TIME = AsciiWriter.ascii("\" time=\"");
  private static final byte[] EMPTY_END = AsciiWriter.ascii("\"/>\n");

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
    w.bytes(DEVICE).num(d.devId());
    w.bytes(MAPPED_BLOCKS).num(d.mappedBlocks());
    w.bytes(TRANSACTION).num(d.transaction());
    w.bytes(CREATION_TIME).num(d.creationTime());
    w.bytes(SNAP_TIME).num(d.snapTime());
    w.bytes(OPEN_END);
  }

  @Override
  public void deviceEnd() throws IOException {
    w.bytes(DEVICE_END);
  }

  @Override
  public void map(long thinBegin, long dataBegin, long length, long time) throws IOException {
    if (length == 1) {
      w.bytes(SINGLE).num(thinBegin);
      w.bytes(DATA_BLOCK).num(dataBegin);
    } else {
      w.bytes(RANGE).num(thinBegin);
      w.bytes(DATA_BEGIN).num(dataBegin);
      w.bytes(LENGTH).num(length);
    }
    w.bytes(TIME).num(time).bytes(EMPTY_END);
  }

  /** Writes out what is buffered (used when a dump stops on damage). */
  public void flush() throws IOException {
    w.flush();
  }
}
