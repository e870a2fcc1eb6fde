package org.thinmeta.thin.read;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.thinmeta.pdata.damage.CorruptMetadataException;
import org.thinmeta.pdata.io.MemoryBlockDevice;
import org.thinmeta.thin.format.DeviceDetails;
import org.thinmeta.thin.format.Superblock;

class MetadataReaderTest {
  @Test
  void readSuperblock_badChecksum() throws IOException {
    MemoryBlockDevice dev = TestPool.build();
    ByteBuffer sb = dev.read(0);
    sb.putLong(48, 10); // transaction changed, checksum not updated
    dev.write(0, sb);

    CorruptMetadataException e =
        assertThrows(CorruptMetadataException.class, () -> MetadataReader.readSuperblock(dev));
    assertEquals("bad checksum in superblock", e.getMessage());
  }

  @Test
  void readSnapshotSuperblock_noneRecorded() throws IOException {
    MemoryBlockDevice dev = TestPool.build();
    Superblock snap =
        MetadataReader.readSnapshotSuperblock(dev, MetadataReader.readSuperblock(dev));

    CorruptMetadataException e =
        assertThrows(
            CorruptMetadataException.class, () -> MetadataReader.readSnapshotSuperblock(dev, snap));
    assertEquals("no current metadata snap", e.getMessage());
    assertEquals(9, snap.blockNr());
    assertEquals(10, snap.detailsRoot());
  }

  @Test
  void readSuperblockAt_beyondTheMetadata() {
    MemoryBlockDevice dev = new MemoryBlockDevice(2);

    CorruptMetadataException e =
        assertThrows(CorruptMetadataException.class, () -> MetadataReader.readSuperblockAt(dev, 2));
    assertEquals("superblock location 2 is beyond the metadata", e.getMessage());
  }

  @Test
  void metadataLimit_isTheSmallerOfDeviceAndSpaceMap() throws IOException {
    MemoryBlockDevice dev = TestPool.build();
    Superblock sb = MetadataReader.readSuperblock(dev);

    assertEquals(TestPool.NR_BLOCKS, MetadataReader.metadataLimit(dev, sb));
    assertEquals(TestPool.NR_BLOCKS, MetadataReader.metadataLimit(new MemoryBlockDevice(100), sb));
    assertEquals(8, MetadataReader.metadataLimit(new MemoryBlockDevice(8), sb));
    // The snapshot copy has no space maps: the device bounds pointers.
    Superblock snap = MetadataReader.readSnapshotSuperblock(dev, sb);
    assertEquals(TestPool.NR_BLOCKS, MetadataReader.metadataLimit(dev, snap));
  }

  @Test
  void readDetailsAndTopLevel() throws IOException {
    MemoryBlockDevice dev = TestPool.build();

    assertEquals(
        Map.of(1L, new DeviceDetails(5, 1, 0, 2), 7L, new DeviceDetails(3, 4, 2, 2)),
        MetadataReader.readDetails(dev, TestPool.NR_BLOCKS, 1));
    assertEquals(Map.of(1L, 3L, 7L, 4L), MetadataReader.readTopLevel(dev, TestPool.NR_BLOCKS, 2));
  }
}
