package org.thinmeta.thin.xml;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.thinmeta.thin.ir.DeviceInfo;
import org.thinmeta.thin.ir.MetadataVisitor;
import org.thinmeta.thin.ir.SuperblockInfo;

/** The 0.9.0 XML and human-readable layouts, against the verbatim examples of §8.6 and §8.7. */
class WritersTest {
  private static void section86(MetadataVisitor w) throws Exception {
    w.superblockBegin(new SuperblockInfo("", 1, 2, 0L, 1L, 128, 1024, null));
    w.deviceBegin(new DeviceInfo(0, 6, 0, 0, 1));
    w.map(0, 0, 4, 0);
    w.map(10, 20, 1, 0);
    w.map(11, 30, 1, 1);
    w.deviceEnd();
    w.deviceBegin(new DeviceInfo(1, 5, 1, 1, 1));
    w.map(0, 0, 4, 0);
    w.map(10, 21, 1, 1);
    w.deviceEnd();
    w.superblockEnd();
  }

  @Test
  void xml_section86VerbatimExample() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();

    section86(new XmlWriter(out));

    assertEquals(
        """
        <superblock uuid="" time="1" transaction="2" flags="0" version="1" data_block_size="128" nr_data_blocks="1024">
          <device dev_id="0" mapped_blocks="6" transaction="0" creation_time="0" snap_time="1">
            <range_mapping origin_begin="0" data_begin="0" length="4" time="0"/>
            <single_mapping origin_block="10" data_block="20" time="0"/>
            <single_mapping origin_block="11" data_block="30" time="1"/>
          </device>
          <device dev_id="1" mapped_blocks="5" transaction="1" creation_time="1" snap_time="1">
            <range_mapping origin_begin="0" data_begin="0" length="4" time="0"/>
            <single_mapping origin_block="10" data_block="21" time="1"/>
          </device>
        </superblock>
        """,
        out.toString(StandardCharsets.US_ASCII));
  }

  @Test
  void xml_emptyDeviceIsOpenAndCloseLines_andBigNumbersAreUnsigned() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    XmlWriter w = new XmlWriter(out);

    w.superblockBegin(new SuperblockInfo("", 0, -1L, null, null, 128, 0, 7L));
    w.deviceBegin(new DeviceInfo(16777215, 0, 0, 0, 0));
    w.deviceEnd();
    w.superblockEnd();

    assertEquals(
        """
        <superblock uuid="" time="0" transaction="18446744073709551615" flags="0" version="1" \
        data_block_size="128" nr_data_blocks="0" metadata_snap="7">
          <device dev_id="16777215" mapped_blocks="0" transaction="0" creation_time="0" snap_time="0">
          </device>
        </superblock>
        """,
        out.toString(StandardCharsets.US_ASCII));
  }

  @Test
  void xml_flushWithoutEndLeavesTheDocumentOpen() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    XmlWriter w = new XmlWriter(out);

    w.superblockBegin(new SuperblockInfo("", 1, 2, 0L, 2L, 128, 1024, null));
    w.deviceBegin(new DeviceInfo(1, 0, 0, 0, 0));
    w.flush();

    assertEquals(
        """
        <superblock uuid="" time="1" transaction="2" flags="0" version="2" data_block_size="128" nr_data_blocks="1024">
          <device dev_id="1" mapped_blocks="0" transaction="0" creation_time="0" snap_time="0">
        """,
        out.toString(StandardCharsets.US_ASCII));
  }

  @Test
  void humanReadable_section87VerifiedExample() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    HumanReadableWriter w = new HumanReadableWriter(out);

    w.superblockBegin(new SuperblockInfo("", 1, 2, 0L, 1L, 128, 1024, null));
    w.deviceBegin(new DeviceInfo(5, 4, 0, 0, 1));
    w.map(10, 20, 1, 0);
    w.map(11, 21, 3, 1);
    w.deviceEnd();
    w.superblockEnd();

    assertEquals(
        """
        begin superblock: "", 1, 2, 0, 1, 128, 1024
        device: 5
        mapped_blocks: 4
        transaction: 0
        creation time: 0
        snap time: 1
            10 -> 20, 0
            (11..13) -> (21..23), 1

        end superblock
        """,
        out.toString(StandardCharsets.US_ASCII));
  }

  @Test
  void longOutput_crossesTheBufferBoundaryIntact() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    XmlWriter w = new XmlWriter(out);
    StringBuilder expected = new StringBuilder();

    w.superblockBegin(new SuperblockInfo("", 0, 0, 0L, 2L, 128, 1L << 40, null));
    expected.append(
        "<superblock uuid=\"\" time=\"0\" transaction=\"0\" flags=\"0\" version=\"2\""
            + " data_block_size=\"128\" nr_data_blocks=\"1099511627776\">\n");
    for (long i = 0; i < 20000; i++) {
      long data = i * 1_000_003L;
      w.map(2 * i, data, 1, i & 0xFFFFFF);
      expected.append(
          "    <single_mapping origin_block=\""
              + (2 * i)
              + "\" data_block=\""
              + data
              + "\" time=\""
              + i
              + "\"/>\n");
    }
    w.superblockEnd();
    expected.append("</superblock>\n");

    assertEquals(expected.toString(), out.toString(StandardCharsets.US_ASCII));
  }
}
