package org.thinmeta.pdata.sm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import org.junit.jupiter.api.Test;
import org.thinmeta.pdata.cow.Harness;
import org.thinmeta.pdata.damage.CorruptMetadataException;
import org.thinmeta.pdata.tm.OutOfSpaceException;

/**
 * The data space map against a plain array of counts: increments past two go to the ref-count tree
 * and come back, new blocks are free in both the current and the committed state, and after every
 * commit the on-disk bitmaps, overflow tree, index hints and nr_allocated agree.
 */
class DiskSpaceMapPropertyTest {
  static final int DATA = 40000;

  enum Kind {
    INC,
    DEC,
    NEW,
    SET,
    COMMIT
  }

  record Op(Kind kind, int block, int times) {}

  @Property(tries = 200)
  void countsFollowTheModel(@ForAll("ops") List<Op> ops) throws IOException {
    Harness h = new Harness(2048, DATA, MetadataSpaceMap.OpOrder.FIFO);
    long[] model = new long[DATA];
    long[] committed = new long[DATA];
    for (Op op : ops) {
      int b = op.block();
      switch (op.kind()) {
        case INC -> {
          for (int i = 0; i < op.times(); i++) {
            h.dsm.inc(b);
            model[b]++;
          }
        }
        case DEC -> {
          for (int i = 0; i < op.times() && model[b] > 0; i++) {
            h.dsm.dec(b);
            model[b]--;
          }
        }
        case NEW -> {
          for (int i = 0; i < op.times(); i++) {
            long n = h.dsm.newBlock();
            assertEquals(0, model[(int) n], "allocated a block in use");
            assertEquals(0, committed[(int) n], "allocated a block the commit still uses");
            model[(int) n] = 1;
          }
        }
        case SET -> {
          h.dsm.setCount(b, op.times());
          model[b] = op.times();
        }
        case COMMIT -> {
          h.commit();
          System.arraycopy(model, 0, committed, 0, DATA);
          assertEquals(
              List.of(),
              h.recount(false).stream().filter(p -> !p.startsWith("data block")).toList());
          check(h, model);
        }
      }
      assertEquals(model[b], h.dsm.count(b));
    }
    h.commit();
    check(h, model);
  }

  private static void check(Harness h, long[] model) throws IOException {
    long allocated = 0;
    List<String> want = new java.util.ArrayList<>();
    for (int b = 0; b < DATA; b++) {
      if (model[b] > 0) {
        allocated++;
        want.add("data block " + b + ": expected 0, on disk " + model[b]);
      }
      assertEquals(model[b], h.dsm.count(b), "block " + b);
    }
    assertEquals(allocated, h.dsm.nrAllocated());
    // The recount compares the data map with the references held by trees (none here): every
    // block with a count shows up as a mismatch stating its on-disk count.
    assertEquals(want, h.recount(false).stream().filter(p -> p.startsWith("data block")).toList());
  }

  @Provide
  Arbitrary<List<Op>> ops() {
    // A few hot blocks (deep counts, overflow) and some spread over several bitmaps.
    Arbitrary<Integer> block =
        Arbitraries.frequencyOf(
            Tuple.of(3, Arbitraries.integers().between(0, 40)),
            Tuple.of(1, Arbitraries.integers().between(0, DATA - 1)));
    Arbitrary<Kind> kind =
        Arbitraries.frequency(
            Tuple.of(8, Kind.INC),
            Tuple.of(6, Kind.DEC),
            Tuple.of(4, Kind.NEW),
            Tuple.of(1, Kind.SET),
            Tuple.of(2, Kind.COMMIT));
    return Combinators.combine(kind, block, Arbitraries.integers().between(1, 6))
        .as(Op::new)
        .list()
        .ofMaxSize(60);
  }

  @Test
  void decrementBelowZero_isCorruption() throws IOException {
    Harness h = new Harness(256, 100, MetadataSpaceMap.OpOrder.FIFO);
    CorruptMetadataException e = assertThrows(CorruptMetadataException.class, () -> h.dsm.dec(5));
    assertTrue(e.getMessage().contains("below 0 (block 5)"), e.getMessage());
  }

  @Test
  void freedBlocks_areNotReusedBeforeTheCommit() throws IOException {
    Harness h = new Harness(256, 4, MetadataSpaceMap.OpOrder.FIFO);
    for (int i = 0; i < 4; i++) {
      assertEquals(i, h.dsm.newBlock());
    }
    h.commit();
    h.dsm.dec(2);
    OutOfSpaceException e = assertThrows(OutOfSpaceException.class, h.dsm::newBlock);
    assertEquals("out of data space", e.getMessage());
    h.commit();
    assertEquals(2, h.dsm.newBlock());
  }
}
