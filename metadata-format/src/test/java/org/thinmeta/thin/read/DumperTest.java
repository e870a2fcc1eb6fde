package org.thinmeta.thin.read;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.thinmeta.pdata.damage.CorruptMetadataException;
import org.thinmeta.pdata.io.MemoryBlockDevice;
import org.thinmeta.thin.format.DeviceDetails;
import org.thinmeta.thin.format.Superblock;
import org.thinmeta.thin.xml.XmlWriter;

/** The dump walk over the hand-built {@link TestPool}. */
class DumperTest {
  private static final String HEADER =
      "<superblock uuid=\"\" time=\"3\" transaction=\"9\" flags=\"0\" version=\"2\""
          + " data_block_size=\"128\" nr_data_blocks=\"1000\">\n";
  private static final String DEV1 =
      """
        <device dev_id="1" mapped_blocks="5" transaction="1" creation_time="0" snap_time="2">
          <range_mapping origin_begin="0" data_begin="100" length="4" time="0"/>
          <single_mapping origin_block="10" data_block="50" time="2"/>
        </device>
      """;
  private static final String DEV7 =
      """
        <device dev_id="7" mapped_blocks="3" transaction="4" creation_time="2" snap_time="2">
          <range_mapping origin_begin="0" data_begin="200" length="3" time="1"/>
        </device>
      """;

  private static String dump(MemoryBlockDevice dev, Dumper.Options options) throws IOException {
    Superblock sb = MetadataReader.readSuperblock(dev);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    new Dumper(dev).dump(sb, Dumper.info(sb), options, new XmlWriter(out));
    return out.toString(StandardCharsets.US_ASCII);
  }

  @Test
  void everything_devicesInIdOrder_runsMergedAcrossLeaves() throws IOException {
    assertEquals(
        HEADER + DEV1 + DEV7 + "</superblock>\n", dump(TestPool.build(), Dumper.Options.ALL));
  }

  @Test
  void devIds_selectDevices_unknownIdsAreIgnored() throws IOException {
    String out = dump(TestPool.build(), new Dumper.Options(Set.of(7L, 99L), false));

    assertEquals(HEADER + DEV7 + "</superblock>\n", out);
  }

  @Test
  void skipMappings_writesDetailsOnly() throws IOException {
    String out = dump(TestPool.build(), new Dumper.Options(null, true));

    assertEquals(
        HEADER
            + "  <device dev_id=\"1\" mapped_blocks=\"5\" transaction=\"1\" creation_time=\"0\""
            + " snap_time=\"2\">\n  </device>\n"
            + "  <device dev_id=\"7\" mapped_blocks=\"3\" transaction=\"4\" creation_time=\"2\""
            + " snap_time=\"2\">\n  </device>\n"
            + "</superblock>\n",
        out);
  }

  @Test
  void snapshot_dumpsTheOldRoots_withNoDataBlocks() throws IOException {
    MemoryBlockDevice dev = TestPool.build();
    Superblock snap =
        MetadataReader.readSnapshotSuperblock(dev, MetadataReader.readSuperblock(dev));
    ByteArrayOutputStream out = new ByteArrayOutputStream();

    new Dumper(dev).dump(snap, Dumper.info(snap), Dumper.Options.ALL, new XmlWriter(out));

    assertEquals(
        "<superblock uuid=\"\" time=\"3\" transaction=\"9\" flags=\"0\" version=\"2\""
            + " data_block_size=\"128\" nr_data_blocks=\"0\">\n"
            + "  <device dev_id=\"1\" mapped_blocks=\"4\" transaction=\"1\" creation_time=\"0\""
            + " snap_time=\"0\">\n"
            + "    <range_mapping origin_begin=\"0\" data_begin=\"100\" length=\"4\" time=\"0\"/>\n"
            + "    <single_mapping origin_block=\"10\" data_block=\"50\" time=\"2\"/>\n"
            + "  </device>\n</superblock>\n",
        out.toString(StandardCharsets.US_ASCII));
  }

  @Test
  void damagedMappingLeaf_stopsAfterPartialOutput_namingDeviceAndBlock() throws IOException {
    MemoryBlockDevice dev = TestPool.build();
    ByteBuffer six = dev.read(6);
    six.put(3000, (byte) 1);
    dev.write(6, six);
    Superblock sb = MetadataReader.readSuperblock(dev);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    XmlWriter w = new XmlWriter(out);

    CorruptMetadataException e =
        assertThrows(
            CorruptMetadataException.class,
            () -> new Dumper(dev).dump(sb, Dumper.info(sb), Dumper.Options.ALL, w));
    w.flush();

    assertEquals(
        "mapping tree of device 7: checksum error at block 6, keys [2..-]", e.getMessage());
    assertEquals(6, e.damage().location());
    assertEquals(
        HEADER
            + DEV1
            + "  <device dev_id=\"7\" mapped_blocks=\"3\" transaction=\"4\" creation_time=\"2\""
            + " snap_time=\"2\">\n",
        out.toString(StandardCharsets.US_ASCII));
  }

  @Test
  void damagedDetailsTree_failsBeforeAnyOutput() throws IOException {
    MemoryBlockDevice dev = TestPool.build();
    dev.write(1, TestPool.node(2, 5, 24, new long[] {1, 7}, null)); // claims block 5
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Superblock sb = MetadataReader.readSuperblock(dev);

    CorruptMetadataException e =
        assertThrows(
            CorruptMetadataException.class,
            () ->
                new Dumper(dev).dump(sb, Dumper.info(sb), Dumper.Options.ALL, new XmlWriter(out)));

    assertEquals("device details tree: blocknr mismatch (claims 5) at block 1", e.getMessage());
    assertEquals(0, out.size());
  }

  @Test
  void damagedTopLevelTree_failsBeforeAnyOutput() throws IOException {
    MemoryBlockDevice dev = TestPool.build();
    dev.write(2, TestPool.node(2, 2, 8, new long[] {7, 1}, new long[] {4, 3}));
    Superblock sb = MetadataReader.readSuperblock(dev);

    CorruptMetadataException e =
        assertThrows(
            CorruptMetadataException.class,
            () ->
                new Dumper(dev)
                    .dump(
                        sb,
                        Dumper.info(sb),
                        Dumper.Options.ALL,
                        new XmlWriter(OutputStream.nullOutputStream())));

    assertEquals("top-level mapping tree: keys out of order (1 <= 7) at block 2", e.getMessage());
  }

  @Test
  void deviceWithoutMappingTree_isReported() throws IOException {
    MemoryBlockDevice dev = TestPool.build();
    dev.write(2, TestPool.node(2, 2, 8, new long[] {1}, new long[] {3}));
    Superblock sb = MetadataReader.readSuperblock(dev);

    CorruptMetadataException e =
        assertThrows(
            CorruptMetadataException.class,
            () ->
                new Dumper(dev)
                    .dump(
                        sb,
                        Dumper.info(sb),
                        Dumper.Options.ALL,
                        new XmlWriter(OutputStream.nullOutputStream())));

    assertEquals("device 7 has device details but no mapping tree", e.getMessage());
  }

  @Test
  void mappingTreeWithoutDetails_isReported() throws IOException {
    MemoryBlockDevice dev = TestPool.build();
    dev.write(1, TestPool.detailsLeaf(1, new long[] {1}, new DeviceDetails(5, 1, 0, 2)));
    Superblock sb = MetadataReader.readSuperblock(dev);

    CorruptMetadataException e =
        assertThrows(
            CorruptMetadataException.class,
            () ->
                new Dumper(dev)
                    .dump(
                        sb,
                        Dumper.info(sb),
                        Dumper.Options.ALL,
                        new XmlWriter(OutputStream.nullOutputStream())));

    assertEquals("device 7 has mappings but no device details", e.getMessage());
  }
}
