package org.thinmeta.thin.write;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A seeded stream of kernel-style operations that the given pool will accept: it looks at the
 * pool's devices, free data and free metadata before choosing, so that long random runs neither
 * refer to missing devices nor run out of space. The same seed against the same pool gives the same
 * operations.
 */
public final class RandomOps {
  private final Random random;
  private final long vblockSpan;
  private final int maxCount;
  private long nextDevId;
  private int sinceCommit;

  /**
   * A generator.
   *
   * @param vblockSpan virtual blocks are chosen below this
   * @param maxCount largest range of one provision, write or discard
   */
  public RandomOps(long seed, long vblockSpan, int maxCount) {
    this.random = new Random(seed);
    this.vblockSpan = Math.max(1, vblockSpan);
    this.maxCount = Math.max(1, maxCount);
  }

  /** The next operation for {@code pool} (whose state it reads but does not change). */
  public PoolOp next(ThinPool pool) throws IOException {
    List<Long> devs = new ArrayList<>(pool.devices().keySet());
    for (long d : devs) {
      nextDevId = Math.max(nextDevId, d + 1);
    }
    sinceCommit++;
    long freeMeta = pool.freeMetadataBlocks();
    long freeData = pool.freeDataBlocks();
    // A range operation needs a few blocks per leaf it touches, times the depth, plus space-map
    // blocks; blocks freed in this transaction only become usable after the commit. So commit
    // when space runs low, and free some when a commit does not help.
    long metaMargin =
        Math.min(pool.metadataSpaceMap().nrBlocks() / 4, 128 + 4L * maxCount + 8L * devs.size());
    long dataMargin = Math.min(pool.nrDataBlocks() / 4, 2L * maxCount);
    boolean low = freeMeta < metaMargin || freeData < dataMargin;
    if (low || sinceCommit > 40) {
      if (sinceCommit > 1) {
        return commit();
      }
      if (low && !devs.isEmpty()) {
        return shrink(devs);
      }
    }
    if (devs.isEmpty()) {
      return new PoolOp.CreateThin(nextDevId++);
    }
    long dev = devs.get(random.nextInt(devs.size()));
    int p = random.nextInt(100);
    if (p < 4 && nextDevId <= ThinPool.MAX_DEV_ID) {
      return new PoolOp.CreateThin(nextDevId++);
    } else if (p < 12 && nextDevId <= ThinPool.MAX_DEV_ID) {
      return new PoolOp.CreateSnap(nextDevId++, dev);
    } else if (p < 16 && devs.size() > 1) {
      return new PoolOp.Delete(dev);
    } else if (p < 38) {
      return new PoolOp.Provision(dev, vblock(), count());
    } else if (p < 62) {
      return new PoolOp.Write(dev, vblock(), count());
    } else if (p < 64) {
      long n = 1 + random.nextInt(Math.min(8, maxCount));
      long data = (long) (random.nextDouble() * Math.max(1, pool.nrDataBlocks() - n));
      return new PoolOp.Insert(dev, vblock(), data, n);
    } else if (p < 76) {
      return new PoolOp.Discard(dev, vblock(), count());
    } else if (p < 79) {
      return new PoolOp.SetTransactionId(pool.transactionId() + 1);
    } else if (p < 82) {
      return pool.metadataSnap() == 0
          ? new PoolOp.ReserveMetadataSnap()
          : new PoolOp.ReleaseMetadataSnap();
    } else if (p < 83) {
      return new PoolOp.NeedsCheck((pool.flags() & 1) == 0);
    }
    return commit();
  }

  private PoolOp commit() {
    sinceCommit = 0;
    return new PoolOp.Commit();
  }

  private PoolOp shrink(List<Long> devs) {
    long dev = devs.get(random.nextInt(devs.size()));
    if (devs.size() > 1 && random.nextBoolean()) {
      return new PoolOp.Delete(dev);
    }
    long n = Math.min(vblockSpan, 4L * maxCount);
    return new PoolOp.Discard(dev, (long) (random.nextDouble() * (vblockSpan - n + 1)), n);
  }

  private long vblock() {
    return (long) (random.nextDouble() * vblockSpan);
  }

  private long count() {
    // Mostly short ranges, sometimes long ones.
    int max = random.nextInt(4) == 0 ? maxCount : Math.min(maxCount, 16);
    return 1 + random.nextInt(max);
  }
}
