package org.thinmeta.repair.salvage;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** A set of keys held as sorted, disjoint, non-adjacent {@link Span}s. */
public final class SpanSet {
  private final List<Span> spans = new ArrayList<>();

  /** An empty set. */
  public SpanSet() {}

  /** A set holding {@code s}. */
  public static SpanSet of(Span s) {
    SpanSet r = new SpanSet();
    r.add(s);
    return r;
  }

  /** Adds every key of {@code s}. */
  public void add(Span s) {
    long lo = s.lo();
    long hi = s.hi();
    List<Span> out = new ArrayList<>(spans.size() + 1);
    boolean placed = false;
    for (Span x : spans) {
      boolean before = x.hi() != -1L && Long.compareUnsigned(x.hi() + 1, lo) < 0;
      boolean after = hi != -1L && Long.compareUnsigned(hi + 1, x.lo()) < 0;
      if (before) {
        out.add(x);
      } else if (after) {
        if (!placed) {
          out.add(new Span(lo, hi));
          placed = true;
        }
        out.add(x);
      } else {
        lo = Span.umin(lo, x.lo());
        hi = Span.umax(hi, x.hi());
      }
    }
    if (!placed) {
      out.add(new Span(lo, hi));
    }
    spans.clear();
    spans.addAll(out);
  }

  /** Removes every key of {@code s}. */
  public void remove(Span s) {
    List<Span> out = new ArrayList<>(spans.size() + 1);
    for (Span x : spans) {
      if (!x.intersects(s)) {
        out.add(x);
        continue;
      }
      if (Long.compareUnsigned(x.lo(), s.lo()) < 0) {
        out.add(new Span(x.lo(), s.lo() - 1));
      }
      if (s.hi() != -1L && Long.compareUnsigned(x.hi(), s.hi()) > 0) {
        out.add(new Span(s.hi() + 1, x.hi()));
      }
    }
    spans.clear();
    spans.addAll(out);
  }

  /** True if {@code k} is in the set. */
  public boolean contains(long k) {
    return pieceOf(k) != null;
  }

  /** The span holding {@code k}, or null. */
  public Span pieceOf(long k) {
    for (Span x : spans) {
      if (x.contains(k)) {
        return x;
      }
    }
    return null;
  }

  /** True if {@code [a, b]} lies inside one span of the set. */
  public boolean containsAll(long a, long b) {
    Span p = pieceOf(a);
    return p != null && p.contains(b);
  }

  /** True if some key of {@code s} is in the set. */
  public boolean intersects(Span s) {
    for (Span x : spans) {
      if (x.intersects(s)) {
        return true;
      }
    }
    return false;
  }

  /** True if the set is empty. */
  public boolean isEmpty() {
    return spans.isEmpty();
  }

  /** The spans, in key order. */
  public List<Span> spans() {
    return Collections.unmodifiableList(spans);
  }

  @Override
  public String toString() {
    return spans.toString();
  }
}
