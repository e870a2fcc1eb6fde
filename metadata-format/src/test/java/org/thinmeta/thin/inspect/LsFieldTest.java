package org.thinmeta.thin.inspect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.thinmeta.thin.format.DeviceDetails;

class LsFieldTest {
  @Test
  void parseList_keepsOrderAndDuplicates() {
    assertEquals(
        List.of(LsField.SNAP_TIME, LsField.DEV, LsField.SNAP_TIME, LsField.HIGHEST_MAPPED),
        LsField.parseList("SNAP_TIME,DEV,SNAP_TIME,HIGHEST_MAPPED"));
  }

  @Test
  void parseList_rejectsUnknownEmptyAndLowerCaseNames() {
    for (String bad : List.of("DEV,FOO", "", "DEV,", "dev", " DEV")) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> LsField.parseList(bad));
      assertEquals("Unknown field", e.getMessage(), bad);
    }
  }

  @Test
  void cells_followTheUnitsOfEachField() {
    DeviceDetails d = new DeviceDetails(99, 7, 3, 5);
    MappingUsage.Usage u = new MappingUsage.Usage(10, 4, 1775);
    long bs = 128;

    assertEquals("42", LsField.DEV.cell(42, d, u, bs));
    assertEquals("7", LsField.TRANSACTION.cell(42, d, u, bs));
    assertEquals("3", LsField.CREATE_TIME.cell(42, d, u, bs));
    assertEquals("5", LsField.SNAP_TIME.cell(42, d, u, bs));
    assertEquals("10", LsField.MAPPED_BLOCKS.cell(42, d, u, bs));
    assertEquals("6", LsField.EXCLUSIVE_BLOCKS.cell(42, d, u, bs));
    assertEquals("4", LsField.SHARED_BLOCKS.cell(42, d, u, bs));
    assertEquals("1280", LsField.MAPPED_SECTORS.cell(42, d, u, bs));
    assertEquals("393216", LsField.EXCLUSIVE_BYTES.cell(42, d, u, bs));
    assertEquals("640KiB", LsField.MAPPED.cell(42, d, u, bs));
    assertEquals("1775", LsField.HIGHEST_BLOCK.cell(42, d, u, bs));
    assertEquals("227327", LsField.HIGHEST_SECTOR.cell(42, d, u, bs));
    assertEquals("116391935", LsField.HIGHEST_BYTE.cell(42, d, u, bs));
    assertEquals("111MiB", LsField.HIGHEST_MAPPED.cell(42, d, u, bs));
  }

  @Test
  void highestOfAnEmptyDevice_isBlockZero() {
    MappingUsage.Usage none = new MappingUsage.Usage(0, 0, 0);
    DeviceDetails d = new DeviceDetails(0, 0, 0, 0);

    assertEquals("0", LsField.HIGHEST_BLOCK.cell(1, d, none, 128));
    assertEquals("127", LsField.HIGHEST_SECTOR.cell(1, d, none, 128));
    assertEquals("65535", LsField.HIGHEST_BYTE.cell(1, d, none, 128));
    assertEquals("0b", LsField.MAPPED.cell(1, d, none, 128));
  }

  @Test
  void table_rightAlignsEveryColumnAndEndsCellsWithASpace() {
    TextTable t = new TextTable(3);
    t.add("DEV", "MAPPED", "X");
    t.add("1", "670MiB", "12345");
    t.add("12", "4096KiB", "0");

    assertEquals(
        "DEV  MAPPED     X \n" + "  1  670MiB 12345 \n" + " 12 4096KiB     0 \n", t.render());
  }
}
