package org.thinmeta.bench;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.thinmeta.pdata.btree.Node;
import org.thinmeta.pdata.btree.NodeChecks;
import org.thinmeta.pdata.checksum.BlockKind;
import org.thinmeta.pdata.checksum.Checksums;
import org.thinmeta.pdata.damage.Damage;
import org.thinmeta.thin.format.BlockTime;

/**
 * Per-block costs of reading a mapping leaf: the CRC32C checksum (heap and direct buffers), header
 * decode plus the §3.7 node checks, and reading all entries. Scores are per 4 KiB leaf.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class NodeBench {
  private static final int LEAVES = 1024;

  /** Entries per leaf: half full (sequential inserts) or full (restore-built). */
  @Param({"126", "252"})
  public int entries;

  private ByteBuffer[] heap;
  private ByteBuffer[] direct;
  private int next;

  /** Builds the leaves. */
  @Setup
  public void setup() {
    heap = Leaves.mappingLeaves(LEAVES, entries, 42);
    direct = new ByteBuffer[LEAVES];
    for (int i = 0; i < LEAVES; i++) {
      direct[i] = ByteBuffer.allocateDirect(heap[i].capacity());
      direct[i].put(heap[i].duplicate()).flip();
    }
  }

  private int nextIndex() {
    int i = next;
    next = (i + 1) & (LEAVES - 1);
    return i;
  }

  /** CRC32C of a heap block and comparison with the stored value. */
  @Benchmark
  public boolean checksumHeap() {
    return Checksums.verify(heap[nextIndex()], BlockKind.NODE);
  }

  /** The same on a direct buffer (what O_DIRECT reads return). */
  @Benchmark
  public boolean checksumDirect() {
    return Checksums.verify(direct[nextIndex()], BlockKind.NODE);
  }

  /** Header decode and the node rules, without the checksum. */
  @Benchmark
  public Damage decodeAndCheck() {
    int i = nextIndex();
    Node n = Node.decode(1000 + i, heap[i]);
    return NodeChecks.check(n, 8, false, NodeChecks.Policy.STRICT);
  }

  /** Decode, check and read every key and block_time value (what a leaf visit costs). */
  @Benchmark
  public long decodeAndReadEntries() {
    int i = nextIndex();
    Node n = Node.decode(1000 + i, heap[i]);
    if (NodeChecks.check(n, 8, false, NodeChecks.Policy.STRICT) != null) {
      throw new IllegalStateException("bad leaf");
    }
    long sum = 0;
    int count = n.nrEntries();
    for (int k = 0; k < count; k++) {
      long v = n.valueU64(k);
      sum += n.key(k) + BlockTime.dataBlock(v) + BlockTime.time(v);
    }
    return sum;
  }
}
