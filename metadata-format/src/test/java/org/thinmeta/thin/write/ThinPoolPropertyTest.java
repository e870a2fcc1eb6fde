package org.thinmeta.thin.write;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.util.BitSet;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.statistics.Statistics;
import org.thinmeta.pdata.io.MemoryBlockDevice;
import org.thinmeta.pdata.sm.MetadataSpaceMap;
import org.thinmeta.pdata.spacemap.SmRoot;
import org.thinmeta.pdata.spacemap.SpaceMapReader;
import org.thinmeta.thin.format.Superblock;
import org.thinmeta.thin.read.MetadataReader;

/**
 * Random operation sequences through the engine. After every commit the image must pass the audit
 * (recount of every reference against both space maps, node rules, hints), hold exactly the model's
 * devices, details and mappings (and the metadata snapshot's), and the commit must not have written
 * any block the previous committed superblock could reach, except block 0.
 *
 * <p>1000 tries by default; more with {@code -Djqwik.tries.default=N} (the annotation leaves the
 * count to that setting).
 */
class ThinPoolPropertyTest {
  static final int METADATA_BLOCKS = 2048;
  static final long DATA_BLOCKS = 40000;

  @Property
  void everyCommit_isConsistentAndMatchesTheModel(@ForAll("sequences") List<PoolOp> ops)
      throws IOException {
    check(ops, ThinPool.Options.DEFAULT);
  }

  /** Runs {@code ops} with all the per-commit checks; returns the number of commits checked. */
  static int check(List<PoolOp> ops, ThinPool.Options options) throws IOException {
    MemoryBlockDevice mem = new MemoryBlockDevice(METADATA_BLOCKS);
    RecordingDevice dev = new RecordingDevice(mem);
    ThinPool pool = ThinPool.format(dev, 128, DATA_BLOCKS, options);
    PoolModel model = new PoolModel(DATA_BLOCKS);
    BitSet reachable = verify(mem, model, new BitSet(), dev.drain(), "format");
    int commits = 0;
    for (PoolOp op : ops) {
      try {
        PoolScript.apply(pool, op, model);
      } catch (ThinPoolException e) {
        continue;
      }
      if (op instanceof PoolOp.Commit || op instanceof PoolOp.ReserveMetadataSnap) {
        reachable = verify(mem, model, reachable, dev.drain(), "after " + op);
        commits++;
      }
    }
    pool.commit();
    model.commit();
    verify(mem, model, reachable, dev.drain(), "final commit");
    Statistics.label("overflow counts (metadata, data)")
        .collect(
            overflow(mem, SpaceMapReader.Kind.METADATA), overflow(mem, SpaceMapReader.Kind.DATA));
    return commits + 1;
  }

  private static boolean overflow(MemoryBlockDevice mem, SpaceMapReader.Kind kind)
      throws IOException {
    Superblock sb = MetadataReader.readSuperblock(mem);
    SmRoot root = kind == SpaceMapReader.Kind.METADATA ? sb.metadataSmRoot() : sb.dataSmRoot();
    return new SpaceMapReader(mem, METADATA_BLOCKS, root, kind).readOverflow(null, d -> {}).size()
        > 0;
  }

  private static BitSet verify(
      MemoryBlockDevice mem, PoolModel model, BitSet reachable, BitSet written, String when)
      throws IOException {
    List<String> problems = Expect.consistentWith(mem, model);
    assertEquals(List.of(), problems, when);
    BitSet overwritten = (BitSet) written.clone();
    overwritten.and(reachable);
    overwritten.clear(0);
    assertEquals(new BitSet(), overwritten, when + ": committed blocks overwritten");
    return Audit.run(mem).reachable();
  }

  @Provide
  static Arbitrary<List<PoolOp>> sequences() {
    return Combinators.combine(prefix(), op().list().ofMinSize(1).ofMaxSize(30))
        .as(
            (p, t) -> {
              List<PoolOp> all = new java.util.ArrayList<>(p);
              all.addAll(t);
              return all;
            });
  }

  /**
   * Often starts with a device of several leaves and snapshots of it that have diverged, so that
   * nodes and data blocks are shared three ways and more (overflow counts) and discards merge.
   */
  static Arbitrary<List<PoolOp>> prefix() {
    Arbitrary<List<PoolOp>> shared =
        Combinators.combine(
                Arbitraries.longs().between(200, 1500),
                Arbitraries.integers().between(1, 3),
                Arbitraries.longs().between(0, 1400),
                Arbitraries.longs().between(1, 300))
            .as(
                (n, snaps, at, len) -> {
                  List<PoolOp> ops = new java.util.ArrayList<>();
                  ops.add(new PoolOp.CreateThin(0));
                  ops.add(new PoolOp.Provision(0, 0, n));
                  ops.add(new PoolOp.Commit());
                  for (int i = 1; i <= snaps; i++) {
                    ops.add(new PoolOp.CreateSnap(i, i % 2 == 0 ? i - 1 : 0));
                    ops.add(new PoolOp.Write(i - 1, at, len));
                    ops.add(new PoolOp.Commit());
                  }
                  return ops;
                });
    return Arbitraries.frequencyOf(
        Tuple.of(3, shared), Tuple.of(1, Arbitraries.just(List.<PoolOp>of())));
  }

  static Arbitrary<PoolOp> op() {
    Arbitrary<Long> dev = Arbitraries.longs().between(0, 4);
    Arbitrary<Long> vblock = Arbitraries.longs().between(0, 1500);
    Arbitrary<Long> count =
        Arbitraries.frequencyOf(
            Tuple.of(5, Arbitraries.longs().between(1, 12)),
            Tuple.of(2, Arbitraries.longs().between(100, 900)));
    return Arbitraries.frequencyOf(
        Tuple.of(4, dev.map(PoolOp.CreateThin::new)),
        Tuple.of(8, Combinators.combine(dev, dev).as(PoolOp.CreateSnap::new)),
        Tuple.of(3, dev.map(PoolOp.Delete::new)),
        Tuple.of(10, Combinators.combine(dev, vblock, count).as(PoolOp.Provision::new)),
        Tuple.of(16, Combinators.combine(dev, vblock, count).as(PoolOp.Write::new)),
        Tuple.of(
            2,
            Combinators.combine(
                    dev,
                    vblock,
                    Arbitraries.longs().between(0, DATA_BLOCKS - 10),
                    Arbitraries.longs().between(1, 8))
                .as(PoolOp.Insert::new)),
        Tuple.of(12, Combinators.combine(dev, vblock, count).as(PoolOp.Discard::new)),
        Tuple.of(1, Arbitraries.longs().between(0, 99).map(PoolOp.SetTransactionId::new)),
        Tuple.of(2, Arbitraries.just(new PoolOp.ReserveMetadataSnap())),
        Tuple.of(2, Arbitraries.just(new PoolOp.ReleaseMetadataSnap())),
        Tuple.of(1, Arbitraries.of(true, false).map(PoolOp.NeedsCheck::new)),
        Tuple.of(10, Arbitraries.just(new PoolOp.Commit())));
  }

  /** LIFO gives the same results as FIFO as long as no rebalance frees a fresh shadow. */
  static ThinPool.Options lifo() {
    return ThinPool.Options.DEFAULT.withOpOrder(MetadataSpaceMap.OpOrder.LIFO);
  }
}
