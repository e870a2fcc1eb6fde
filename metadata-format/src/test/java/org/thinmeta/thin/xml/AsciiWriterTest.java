package org.thinmeta.thin.xml;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

/** Decimal formatting and buffering of the dump writers' ASCII output. */
class AsciiWriterTest {
  private static String format(long... values) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    AsciiWriter w = new AsciiWriter(out);
    for (long v : values) {
      w.num(v).bytes(AsciiWriter.ascii(" "));
    }
    w.flush();
    return out.toString(StandardCharsets.US_ASCII);
  }

  private static String expected(long... values) {
    StringBuilder sb = new StringBuilder();
    for (long v : values) {
      sb.append(Long.toUnsignedString(v)).append(' ');
    }
    return sb.toString();
  }

  @Test
  void num_digitBoundariesAndUnsignedValues() throws Exception {
    List<Long> edges = new java.util.ArrayList<>();
    long p = 1;
    for (int i = 0; i < 19; i++) {
      edges.add(p - 1);
      edges.add(p);
      edges.add(p + 1);
      p *= 10;
    }
    edges.addAll(
        List.of(
            (long) Integer.MAX_VALUE,
            Integer.MAX_VALUE + 1L,
            (1L << 32) - 1,
            1L << 32,
            Long.MAX_VALUE,
            Long.MIN_VALUE,
            -1L));
    long[] values = edges.stream().mapToLong(Long::longValue).toArray();

    assertEquals(expected(values), format(values));
  }

  @Test
  void digits_countsEveryMagnitude() {
    assertEquals(1, AsciiWriter.digits(0));
    assertEquals(1, AsciiWriter.digits(9));
    assertEquals(2, AsciiWriter.digits(10));
    assertEquals(10, AsciiWriter.digits(Integer.MAX_VALUE));
    assertEquals(18, AsciiWriter.digits(999_999_999_999_999_999L));
    assertEquals(19, AsciiWriter.digits(1_000_000_000_000_000_000L));
    assertEquals(19, AsciiWriter.digits(Long.MAX_VALUE));
  }

  @Test
  void output_crossesTheBufferBoundaryIntact() throws Exception {
    long[] values = new long[40_000];
    for (int i = 0; i < values.length; i++) {
      values[i] = (long) i * 1_000_003L * (i % 7 == 0 ? 1_000_000_007L : 1);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    AsciiWriter w = new AsciiWriter(out);
    StringBuilder sb = new StringBuilder();
    byte[] big = AsciiWriter.ascii("x".repeat(70_000));
    for (int i = 0; i < values.length; i++) {
      w.text("<a b=\"").num(values[i]).bytes(AsciiWriter.ascii("\"/>\n"));
      sb.append("<a b=\"").append(Long.toUnsignedString(values[i])).append("\"/>\n");
      if (i == 20_000) {
        w.bytes(big);
        sb.append("x".repeat(70_000));
      }
    }
    w.flush();

    assertEquals(sb.toString(), out.toString(StandardCharsets.US_ASCII));
  }

  @Property
  void num_equalsLongToUnsignedString(@ForAll long v) throws Exception {
    assertEquals(expected(v), format(v));
  }
}
