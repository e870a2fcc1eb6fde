package org.thinmeta.bench;

import java.io.IOException;
import java.io.OutputStream;
import java.util.SortedMap;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.thinmeta.pdata.btree.AtomicBitSet;
import org.thinmeta.pdata.btree.BTreeWalker;
import org.thinmeta.pdata.btree.KeyRange;
import org.thinmeta.pdata.btree.Node;
import org.thinmeta.pdata.btree.NodeChecks;
import org.thinmeta.pdata.io.MemoryBlockDevice;
import org.thinmeta.thin.format.BlockTime;
import org.thinmeta.thin.format.Superblock;
import org.thinmeta.thin.ir.DeviceInfo;
import org.thinmeta.thin.ir.MetadataVisitor;
import org.thinmeta.thin.ir.SuperblockInfo;
import org.thinmeta.thin.read.Dumper;
import org.thinmeta.thin.read.MetadataReader;
import org.thinmeta.thin.write.PoolOp;
import org.thinmeta.thin.write.PoolScript;
import org.thinmeta.thin.write.ThinPool;

/**
 * Walking the mapping trees of an in-memory pool (one origin of 200,000 mappings, half runs and
 * half scattered, and a snapshot of it with copy-on-write writes): the strict leaf walk, the
 * expand-once walk a check does, and the whole dump to events and to XML. No disk I/O: this is the
 * CPU side of thin_check/thin_dump. Scores are per pool (400,000 mappings).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Benchmark)
public class WalkBench {
  private static final PoolOp[] SCRIPT = {
    new PoolOp.CreateThin(0),
    new PoolOp.Provision(0, 0, 100000, 1),
    new PoolOp.Provision(0, 200000, 100000, 3),
    new PoolOp.Commit(),
    new PoolOp.CreateSnap(1, 0),
    new PoolOp.Write(0, 5000, 2000, 1),
    new PoolOp.Write(0, 300000, 1000, 7),
    new PoolOp.Commit(),
  };

  private MemoryBlockDevice dev;
  private Superblock sb;
  private long limit;
  private long[] roots;

  /** Builds the pool through the engine. */
  @Setup
  public void setup() throws IOException {
    dev = new MemoryBlockDevice(16384);
    ThinPool pool = ThinPool.format(dev, 128, 1 << 22, ThinPool.Options.DEFAULT);
    for (PoolOp op : SCRIPT) {
      PoolScript.apply(pool, op, null);
    }
    pool.commit();
    sb = MetadataReader.readSuperblock(dev);
    limit = MetadataReader.metadataLimit(dev, sb);
    SortedMap<Long, Long> top = MetadataReader.readTopLevel(dev, limit, sb.mappingRoot());
    roots = top.values().stream().mapToLong(Long::longValue).toArray();
  }

  private static final class Sum implements BTreeWalker.Visitor {
    long sum;

    @Override
    public void leaf(Node leaf, KeyRange range) {
      int n = leaf.nrEntries();
      for (int i = 0; i < n; i++) {
        sum += leaf.key(i) ^ BlockTime.dataBlock(leaf.valueU64(i));
      }
    }
  }

  /** Every leaf of every device (as a dump reads them), strict node checks. */
  @Benchmark
  public long walkAll() throws IOException {
    BTreeWalker w =
        new BTreeWalker(dev, limit, MetadataReader.THROW, NodeChecks.Policy.STRICT, null, null);
    Sum s = new Sum();
    for (long root : roots) {
      w.walk(root, 8, s);
    }
    return s.sum;
  }

  /** Each distinct node once across devices (as a check reads them). */
  @Benchmark
  public long walkOnce() throws IOException {
    BTreeWalker w =
        new BTreeWalker(
            dev,
            limit,
            MetadataReader.THROW,
            NodeChecks.Policy.STRICT,
            null,
            new AtomicBitSet(limit));
    Sum s = new Sum();
    for (long root : roots) {
      w.walk(root, 8, s);
    }
    return s.sum;
  }

  /** The dump walk with run merging, to events that are dropped. */
  @Benchmark
  public long dumpEvents() throws IOException {
    long[] count = {0};
    new Dumper(dev)
        .dump(
            sb,
            Dumper.info(sb),
            Dumper.Options.ALL,
            new MetadataVisitor() {
              @Override
              public void superblockBegin(SuperblockInfo info) {}

              @Override
              public void superblockEnd() {}

              @Override
              public void deviceBegin(DeviceInfo d) {}

              @Override
              public void deviceEnd() {}

              @Override
              public void map(long thinBegin, long dataBegin, long length, long time) {
                count[0] += length;
              }
            });
    return count[0];
  }

  /** The whole thin_dump path minus the file: walk, merge, XML to a discarding stream. */
  @Benchmark
  public void dumpXml() throws IOException {
    new Dumper(dev)
        .dump(
            sb,
            Dumper.info(sb),
            Dumper.Options.ALL,
            new org.thinmeta.thin.xml.XmlWriter(OutputStream.nullOutputStream()));
  }
}
