package org.thinmeta.repair.salvage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.BitSet;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/** SpanSet against a bit-set model: keys 0..63, and 64 standing for "64 to the end". */
class SpanSetTest {
  record Op(boolean add, int lo, int hi) {
    Span span() {
      return new Span(lo, hi == 64 ? -1L : hi);
    }
  }

  @Provide
  Arbitrary<List<Op>> ops() {
    Arbitrary<Op> op =
        Combinators.combine(
                Arbitraries.of(true, false),
                Arbitraries.integers().between(0, 64),
                Arbitraries.integers().between(0, 64))
            .as((a, x, y) -> new Op(a, Math.min(x, y), Math.max(x, y)));
    return op.list().ofMaxSize(12);
  }

  @Property
  void matchesTheModel(@ForAll("ops") List<Op> ops) {
    SpanSet s = new SpanSet();
    BitSet model = new BitSet();
    for (Op o : ops) {
      if (o.add()) {
        s.add(o.span());
        model.set(o.lo(), o.hi() + 1);
      } else {
        s.remove(o.span());
        model.clear(o.lo(), o.hi() + 1);
      }
    }
    for (int k = 0; k <= 64; k++) {
      long key = k == 64 ? 1L << 40 : k;
      assertEquals(model.get(k), s.contains(key), "key " + key + " after " + ops);
    }
    List<Span> spans = s.spans();
    for (int i = 1; i < spans.size(); i++) {
      Span a = spans.get(i - 1);
      Span b = spans.get(i);
      assertTrue(a.hi() != -1L && a.hi() + 1 < b.lo(), "disjoint, not adjacent, sorted: " + spans);
    }
  }

  @Test
  void printsRangesWithAnOpenEnd() {
    SpanSet s = SpanSet.of(new Span(5, 9));
    s.add(new Span(100, -1L));
    s.add(new Span(10, 10));
    assertEquals("[5..10, 100..end]", s.toString());
    s.remove(new Span(7, 200));
    assertEquals("[5..6, 201..end]", s.toString());
    assertTrue(s.containsAll(201, 1L << 50));
    assertTrue(!s.containsAll(5, 201));
  }
}
