package org.thinmeta.pdata.cow;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.statistics.Statistics;
import org.thinmeta.pdata.sm.MetadataSpaceMap;
import org.thinmeta.pdata.tm.LeBytes;

/**
 * Copy-on-write btrees against sorted maps: several trees that start as clones of each other
 * (sharing every node) are changed independently; after each commit every tree must hold exactly
 * its model's entries, pass every node rule, and every metadata and data count on disk must equal
 * the references the trees hold.
 */
class CowBTreePropertyTest {
  enum Kind {
    INSERT,
    INSERT_RUN,
    REMOVE,
    REMOVE_RUN,
    CLONE,
    DROP,
    COMMIT
  }

  record Op(Kind kind, int tree, long key, long count, long data) {}

  @Property(tries = 300)
  void treesMatchTheirModels_andCountsMatchReferences(@ForAll("ops") List<Op> ops)
      throws IOException {
    Harness h = new Harness(4096, 4096, MetadataSpaceMap.OpOrder.FIFO);
    BTree tree = new BTree(h.tm, new DataRefs(h));
    List<TreeMap<Long, Long>> models = new ArrayList<>();
    h.roots.add(tree.empty());
    models.add(new TreeMap<>());
    for (Op op : ops) {
      int t = op.tree() % h.roots.size();
      switch (op.kind()) {
        case INSERT, INSERT_RUN -> {
          long n = op.kind() == Kind.INSERT ? 1 : op.count();
          for (long k = op.key(); k < op.key() + n; k++) {
            long data = (op.data() + k) % 4096;
            Long old = models.get(t).get(k);
            if (old == null || old != data) {
              // The tree takes over the caller's reference unless the value is unchanged.
              h.dsm.inc(data);
            }
            byte[] v = new byte[8];
            LeBytes.putLong(v, 0, data);
            BTree.Insert r = tree.insert(h.roots.get(t), k, v);
            h.roots.set(t, r.root());
            assertEquals(models.get(t).put(k, data) == null, r.inserted());
          }
        }
        case REMOVE, REMOVE_RUN -> {
          long n = op.kind() == Kind.REMOVE ? 1 : op.count();
          for (long k = op.key(); k < op.key() + n; k++) {
            BTree.Remove r = tree.remove(h.roots.get(t), k);
            h.roots.set(t, r.root());
            assertEquals(models.get(t).remove(k) != null, r.removed());
          }
        }
        case CLONE -> {
          if (h.roots.size() < 6) {
            h.tm.inc(h.roots.get(t));
            h.roots.add(h.roots.get(t));
            models.add(new TreeMap<>(models.get(t)));
          }
        }
        case DROP -> {
          if (h.roots.size() > 1) {
            tree.delete(h.roots.remove(t));
            models.remove(t);
          }
        }
        case COMMIT -> check(h, tree, models);
      }
    }
    check(h, tree, models);
    int biggest = models.stream().mapToInt(TreeMap::size).max().orElse(0);
    Statistics.label("largest tree")
        .collect(biggest < 253 ? "one leaf" : biggest < 2000 ? "two levels" : "bigger");
    Statistics.label("trees").collect(models.size());
  }

  private static void check(Harness h, BTree tree, List<TreeMap<Long, Long>> models)
      throws IOException {
    h.commit();
    for (int i = 0; i < models.size(); i++) {
      TreeMap<Long, Long> have = new TreeMap<>();
      tree.forEach(h.roots.get(i), (k, n, off) -> have.put(k, LeBytes.getLong(n, off)));
      assertEquals(models.get(i), have, "tree " + i);
      for (Map.Entry<Long, Long> e : models.get(i).entrySet()) {
        assertEquals(e.getValue(), tree.lookup64(h.roots.get(i), e.getKey(), -1));
      }
    }
    assertEquals(List.of(), h.recount(true));
  }

  /** Leaf values are data blocks holding references in the data space map. */
  static final class DataRefs implements ValueType {
    private final Harness h;

    DataRefs(Harness h) {
      this.h = h;
    }

    @Override
    public int size() {
      return 8;
    }

    @Override
    public boolean hasRefs() {
      return true;
    }

    @Override
    public void inc(byte[] node, int off) throws IOException {
      h.dsm.inc(LeBytes.getLong(node, off));
    }

    @Override
    public void dec(byte[] node, int off) throws IOException {
      h.dsm.dec(LeBytes.getLong(node, off));
    }
  }

  @Provide
  Arbitrary<List<Op>> ops() {
    Arbitrary<Integer> tree = Arbitraries.integers().between(0, 5);
    // Clones early so that most changes hit shared nodes.
    Arbitrary<Long> key = Arbitraries.longs().between(0, 3000);
    Arbitrary<Long> count = Arbitraries.longs().between(50, 800);
    Arbitrary<Long> data = Arbitraries.longs().between(0, 4095);
    Arbitrary<Kind> kind =
        Arbitraries.frequency(
            Tuple.of(10, Kind.INSERT),
            Tuple.of(6, Kind.INSERT_RUN),
            Tuple.of(8, Kind.REMOVE),
            Tuple.of(5, Kind.REMOVE_RUN),
            Tuple.of(4, Kind.CLONE),
            Tuple.of(1, Kind.DROP),
            Tuple.of(4, Kind.COMMIT));
    Arbitrary<List<Op>> rest =
        Combinators.combine(kind, tree, key, count, data).as(Op::new).list().ofMaxSize(40);
    // Start from a tree of one to three levels' worth of entries, cloned, so that most changes
    // meet shared nodes.
    return Combinators.combine(Arbitraries.longs().between(1, 3000), rest)
        .as(
            (n, tail) -> {
              List<Op> all = new ArrayList<>();
              all.add(new Op(Kind.INSERT_RUN, 0, 0, n, 7));
              all.add(new Op(Kind.COMMIT, 0, 0, 0, 0));
              all.add(new Op(Kind.CLONE, 0, 0, 0, 0));
              all.addAll(tail);
              return all;
            });
  }
}
