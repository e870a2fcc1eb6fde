package org.thinmeta.thin.xml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.thinmeta.thin.ir.DeviceInfo;
import org.thinmeta.thin.ir.InvalidInputException;
import org.thinmeta.thin.ir.MetadataVisitor;
import org.thinmeta.thin.ir.SuperblockInfo;

class XmlMetadataReaderTest {
  /** Records events as text. */
  static class Recorder implements MetadataVisitor {
    final List<String> events = new ArrayList<>();

    @Override
    public void superblockBegin(SuperblockInfo sb) {
      events.add("sb " + sb);
    }

    @Override
    public void superblockEnd() {
      events.add("/sb");
    }

    @Override
    public void deviceBegin(DeviceInfo dev) {
      events.add("dev " + dev);
    }

    @Override
    public void deviceEnd() {
      events.add("/dev");
    }

    @Override
    public void map(long thinBegin, long dataBegin, long length, long time) {
      events.add("map " + thinBegin + " " + dataBegin + " " + length + " " + time);
    }

    @Override
    public void defBegin(String name) {
      events.add("def " + name);
    }

    @Override
    public void defEnd() {
      events.add("/def");
    }

    @Override
    public void ref(String name) {
      events.add("ref " + name);
    }
  }

  static List<String> read(String xml) throws IOException {
    Recorder r = new Recorder();
    XmlMetadataReader.read(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)), r);
    return r.events;
  }

  static String error(String xml) {
    return assertThrows(InvalidInputException.class, () -> read(xml)).getMessage();
  }

  static final String SB =
      "<superblock uuid=\"\" time=\"1\" transaction=\"2\" flags=\"0\" version=\"1\""
          + " data_block_size=\"128\" nr_data_blocks=\"1024\">";
  static final String DEV =
      "<device dev_id=\"5\" mapped_blocks=\"4\" transaction=\"0\" creation_time=\"0\""
          + " snap_time=\"1\">";

  @Test
  void read_090Grammar_allEventsInOrder() throws IOException {
    String xml =
        "<?xml version=\"1.0\"?>\n<!-- made by hand -->\n"
            + SB
            + "\n  "
            + DEV
            + "\n    <single_mapping origin_block=\"10\" data_block=\"20\" time=\"0\"/>\n"
            + "    <range_mapping origin_begin=\"11\" data_begin=\"21\" length=\"3\" time=\"1\">"
            + "</range_mapping>\n  </device>\n</superblock>\n";
    assertEquals(
        List.of(
            "sb SuperblockInfo[uuid=, time=1, transaction=2, flags=0, version=1,"
                + " dataBlockSize=128, nrDataBlocks=1024, metadataSnap=null]",
            "dev DeviceInfo[devId=5, mappedBlocks=4, transaction=0, creationTime=0, snapTime=1]",
            "map 10 20 1 0",
            "map 11 21 3 1",
            "/dev",
            "/sb"),
        read(xml));
  }

  @Test
  void read_133Grammar_defAndRef_optionalAttributesAbsent() throws IOException {
    String xml =
        "<superblock uuid=\"\" time=\"0\" transaction=\"18446744073709551615\""
            + " data_block_size=\"2097152\" nr_data_blocks=\"0\">"
            + "<def name=\"37\"><single_mapping origin_block=\"0\" data_block=\"0\" time=\"0\"/>"
            + "</def>"
            + DEV
            + "<ref name=\"37\"/></device></superblock>";
    assertEquals(
        List.of(
            "sb SuperblockInfo[uuid=, time=0, transaction=18446744073709551615, flags=null,"
                + " version=null, dataBlockSize=2097152, nrDataBlocks=0, metadataSnap=null]",
            "def 37",
            "map 0 0 1 0",
            "/def",
            "dev DeviceInfo[devId=5, mappedBlocks=4, transaction=0, creationTime=0, snapTime=1]",
            "ref 37",
            "/dev",
            "/sb"),
        read(xml).stream().map(s -> s.replace("-1,", "18446744073709551615,")).toList());
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "<foo/>|unknown tag <foo> at top level at line 1, column 1",
        SB + "<device/></superblock>|missing attribute 'dev_id' in <device> at line 1, column 112",
        SB
            + "<devices/></superblock>|unknown tag <devices> inside <superblock> at line 1,"
            + " column 112",
        SB
            + DEV
            + "<single_mapping origin_block=\"-1\" data_block=\"0\" time=\"0\"/>|invalid value"
            + " '-1' of attribute 'origin_block' in <single_mapping>: not an unsigned decimal"
            + " number at line 1, column 197",
        SB
            + DEV
            + "<single_mapping origin_block=\"x1\" data_block=\"0\" time=\"0\"/>|invalid value"
            + " 'x1' of attribute 'origin_block' in <single_mapping>: not an unsigned decimal"
            + " number at line 1, column 197",
        SB
            + DEV
            + "<single_mapping origin_block=\"18446744073709551616\" data_block=\"0\""
            + " time=\"0\"/>|value 18446744073709551616 of attribute 'origin_block' in"
            + " <single_mapping> is out of range (maximum 18446744073709551615) at line 1,"
            + " column 197",
        SB
            + DEV
            + "<single_mapping origin_block=\"1\" data_block=\"0\" time=\"4294967296\"/>|value"
            + " 4294967296 of attribute 'time' in <single_mapping> is out of range (maximum"
            + " 4294967295) at line 1, column 197",
        SB
            + DEV
            + "<single_mapping origin_block=\"1\" data_block=\"0\" time=\"0\" extra=\"1\"/>|"
            + "unknown attribute 'extra' in <single_mapping> at line 1, column 197",
        SB
            + DEV
            + "<range_mapping origin_begin=\"1\" data_begin=\"0\" length=\"0\" time=\"0\"/>|"
            + "<range_mapping> with length 0 at line 1, column 197",
        SB
            + DEV
            + DEV
            + "|<device> is not allowed inside <device> (only inside <superblock>) at line 1,"
            + " column 197",
        SB
            + "<single_mapping origin_block=\"1\" data_block=\"0\" time=\"0\"/>|<single_mapping>"
            + " is not allowed inside <superblock> (only inside <device> or <def>) at line 1,"
            + " column 112",
        SB
            + "<ref name=\"a\"/>|<ref> is only allowed inside <device> inside <superblock> at line"
            + " 1, column 112",
        SB + "hello</superblock>|unexpected text 'hello' at line 1, column 112",
        SB + "<![CDATA[x]]></superblock>|CDATA sections are not allowed at line 1, column 112",
        SB + "<?pi x?></superblock>|processing instructions are not allowed at line 1, column 112",
        SB
            + "<device|XML parse error at line 1, column 119: Unexpected end-of-input when trying"
            + " to parse START_ELEMENT",
      })
  void read_badInput_oneLineErrorWithPosition(String xml, String message) {
    assertEquals(message, error(xml));
  }

  @Test
  void read_externalEntity_neverResolved(@TempDir Path dir) throws IOException {
    Path secret = dir.resolve("secret.txt");
    Files.writeString(secret, "1234");
    String xxe =
        "<?xml version=\"1.0\"?>\n<!DOCTYPE superblock [<!ENTITY xxe SYSTEM \""
            + secret.toUri()
            + "\">]>\n<superblock uuid=\"&xxe;\" time=\"&xxe;\" transaction=\"0\""
            + " data_block_size=\"128\" nr_data_blocks=\"1\"></superblock>";
    assertEquals("DOCTYPE declarations are not allowed at line 1, column 22", error(xxe));
    String external = "<!DOCTYPE superblock SYSTEM \"" + secret.toUri() + "\"><superblock/>";
    assertEquals("DOCTYPE declarations are not allowed at line 1, column 1", error(external));
  }

  @Test
  void read_externalDtdAndEntityUrls_neverFetched() throws IOException {
    try (java.net.ServerSocket server =
        new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      server.setSoTimeout(300);
      String url = "http://127.0.0.1:" + server.getLocalPort() + "/x";
      String[] inputs = {
        "<!DOCTYPE superblock SYSTEM \"" + url + "\"><superblock/>",
        "<!DOCTYPE superblock [<!ENTITY e SYSTEM \"" + url + "\">]><superblock uuid=\"&e;\"/>",
        "<!DOCTYPE superblock [<!ENTITY % p SYSTEM \"" + url + "\"> %p;]><superblock/>",
      };
      for (String xml : inputs) {
        assertEquals(
            "DOCTYPE declarations are not allowed", error(xml).replaceAll(" at line.*", ""));
        assertThrows(
            java.net.SocketTimeoutException.class, server::accept, "no connection for " + xml);
      }
    }
  }

  @Test
  void read_billionLaughs_rejectedAtOnce() {
    StringBuilder dtd = new StringBuilder("<!DOCTYPE superblock [<!ENTITY l0 \"lol\">");
    for (int i = 1; i < 10; i++) {
      dtd.append("<!ENTITY l").append(i).append(" \"");
      for (int j = 0; j < 10; j++) {
        dtd.append("&l").append(i - 1).append(';');
      }
      dtd.append("\">");
    }
    dtd.append("]>");
    String xml =
        dtd
            + "<superblock uuid=\"&l9;\" time=\"1\" transaction=\"0\" data_block_size=\"128\""
            + " nr_data_blocks=\"1\"></superblock>";
    assertEquals("DOCTYPE declarations are not allowed at line 1, column 1", error(xml));
    String undeclared =
        "<superblock uuid=\"&l9;\" time=\"1\" transaction=\"0\" data_block_size=\"128\""
            + " nr_data_blocks=\"1\"></superblock>";
    assertEquals(
        "XML parse error at line 1, column 23: General entity reference (&l9;) encountered in"
            + " entity expanding mode: operation not (yet) implemented",
        error(undeclared));
  }

  @Test
  void read_manyMappings_constantMemoryStream() throws IOException {
    // Streams from a generated input without holding it: 2 million mappings through a pipe-like
    // stream must not need the document in memory (heap is not checked, but nothing buffers).
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    head.writeBytes((SB + DEV).getBytes(StandardCharsets.US_ASCII));
    long[] count = {0};
    java.io.InputStream in =
        new java.io.SequenceInputStream(
            new ByteArrayInputStream(head.toByteArray()),
            new java.io.SequenceInputStream(
                new java.io.InputStream() {
                  long i;
                  byte[] line = new byte[0];
                  int pos;

                  @Override
                  public int read() {
                    if (pos == line.length) {
                      if (i == 2_000_000) {
                        return -1;
                      }
                      line =
                          ("<single_mapping origin_block=\""
                                  + i
                                  + "\" data_block=\"1\" time=\"0\"/>")
                              .getBytes(StandardCharsets.US_ASCII);
                      i++;
                      pos = 0;
                    }
                    return line[pos++];
                  }
                },
                new ByteArrayInputStream("</device></superblock>".getBytes())));
    XmlMetadataReader.read(
        in,
        new Recorder() {
          @Override
          public void map(long thinBegin, long dataBegin, long length, long time) {
            count[0] += length;
          }
        });
    assertEquals(2_000_000, count[0]);
  }
}
