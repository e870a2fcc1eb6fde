package org.thinmeta.pdata.btree;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class KeyRangeTest {
  @Test
  void contains_isHalfOpenAndUnsigned() {
    KeyRange r = new KeyRange(10, 20, true);

    assertFalse(r.contains(9));
    assertTrue(r.contains(10));
    assertTrue(r.contains(19));
    assertFalse(r.contains(20));
    assertFalse(r.contains(-1L));
    assertTrue(KeyRange.ALL.contains(-1L));
    assertTrue(new KeyRange(Long.MAX_VALUE, 0, false).contains(Long.MIN_VALUE));
  }

  @Test
  void child_isClippedToTheParent() {
    KeyRange parent = new KeyRange(100, 200, true);

    assertEquals(new KeyRange(100, 150, true), parent.child(50, 150, true));
    assertEquals(new KeyRange(120, 200, true), parent.child(120, 300, true));
    assertEquals(new KeyRange(120, 200, true), parent.child(120, 0, false));
    assertEquals(new KeyRange(5, 0, false), KeyRange.ALL.child(5, 0, false));
  }

  @Test
  void toString_usesDashForAnOpenEnd() {
    assertEquals("[0..-]", KeyRange.ALL.toString());
    assertEquals("[3..18446744073709551615]", new KeyRange(3, -1L, true).toString());
    assertTrue(KeyRange.ALL.isUnbounded());
    assertFalse(new KeyRange(1, 0, false).isUnbounded());
  }
}
