package org.thinmeta.pdata.damage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.thinmeta.pdata.btree.KeyRange;
import org.thinmeta.pdata.btree.NodeFault;

class DamageTest {
  @Test
  void badNode_describesFaultDetailBlockAndKeys() {
    assertEquals(
        "checksum error at block 6",
        new Damage.BadNode(6, NodeFault.CHECKSUM, null, KeyRange.ALL).describe());
    assertEquals(
        "blocknr mismatch (claims 9) at block 4, keys [200..300]",
        new Damage.BadNode(4, NodeFault.BLOCKNR_MISMATCH, "claims 9", new KeyRange(200, 300, true))
            .describe());
    assertEquals(
        "keys out of order (3 <= 5) at block 1, keys [100..-]",
        new Damage.BadNode(1, NodeFault.KEYS_OUT_OF_ORDER, "3 <= 5", new KeyRange(100, 0, false))
            .describe());
  }

  @Test
  void severity_followsTheFault() {
    assertEquals(
        Severity.NON_FATAL, new Damage.BadNode(1, NodeFault.UNDERFULL, null, null).severity());
    assertEquals(Severity.FATAL, new Damage.BadNode(1, NodeFault.CHECKSUM, null, null).severity());
    assertEquals(Severity.FATAL, new Damage.BadSpaceMapBlock(3, "x").severity());
  }

  @Test
  void refCountMismatch_onlyAnUnusedBlockCountedOnceIsALeak() {
    Damage.RefCountMismatch leak = new Damage.RefCountMismatch(8, 0, 1);
    Damage.RefCountMismatch low = new Damage.RefCountMismatch(8, 1, 0);
    Damage.RefCountMismatch high = new Damage.RefCountMismatch(8, 1, 2);

    assertTrue(leak.isLeak());
    assertEquals(Severity.NON_FATAL, leak.severity());
    assertFalse(low.isLeak());
    assertEquals(Severity.FATAL, low.severity());
    assertEquals(Severity.FATAL, high.severity());
    assertEquals("block 8: expected count 0, on disk 1", leak.describe());
  }

  @Test
  void corruptMetadataException_carriesTheDamageAndItsDescription() {
    Damage d = new Damage.BadNode(6, NodeFault.CHECKSUM, null, null);

    CorruptMetadataException e = new CorruptMetadataException(d);

    assertSame(d, e.damage());
    assertEquals("checksum error at block 6", e.getMessage());
    assertNull(new CorruptMetadataException("plain").damage());
  }
}
