package org.thinmeta.thin.write;

import java.io.IOException;

/**
 * Applies {@link PoolOp}s to a {@link ThinPool}, optionally checking each step against a {@link
 * PoolModel} (which then follows the pool).
 */
public final class PoolScript {
  private PoolScript() {}

  /**
   * Applies {@code op}. With a model, the pool must refuse exactly the operations the model
   * refuses, and every allocation and write outcome is checked.
   *
   * @throws ThinPoolException if the pool refuses the operation (nothing changed)
   * @throws IllegalStateException if the pool and the model disagree
   */
  public static void apply(ThinPool pool, PoolOp op, PoolModel model) throws IOException {
    String why = model == null ? null : model.reject(op);
    try {
      run(pool, op, model);
    } catch (ThinPoolException e) {
      if (model != null && why == null) {
        throw new IllegalStateException(
            "pool refused '" + op + "' (" + e.getMessage() + ") but the model accepts it", e);
      }
      throw e;
    }
    if (why != null) {
      throw new IllegalStateException("pool accepted '" + op + "' but the model refuses: " + why);
    }
  }

  private static void run(ThinPool pool, PoolOp op, PoolModel model) throws IOException {
    if (op instanceof PoolOp.CreateThin c) {
      pool.createThin(c.dev());
      if (model != null) {
        model.createThin(c.dev());
      }
    } else if (op instanceof PoolOp.CreateSnap c) {
      pool.createSnap(c.dev(), c.origin());
      if (model != null) {
        model.createSnap(c.dev(), c.origin());
      }
    } else if (op instanceof PoolOp.Delete d) {
      pool.deleteDevice(d.dev());
      if (model != null) {
        model.delete(d.dev());
      }
    } else if (op instanceof PoolOp.Provision p) {
      for (long i = 0; i < p.count(); i++) {
        long v = p.block(i);
        if (pool.lookup(p.dev(), v) != null) {
          check(model == null || model.mapped(p.dev(), v), "pool has a mapping the model lacks");
          continue;
        }
        long data = pool.provision(p.dev(), v);
        if (model != null) {
          model.wrote(p.dev(), v, ThinPool.WriteOutcome.PROVISIONED, data);
        }
      }
    } else if (op instanceof PoolOp.Write w) {
      long[] data = new long[1];
      for (long i = 0; i < w.count(); i++) {
        long v = w.block(i);
        ThinPool.WriteOutcome o = pool.write(w.dev(), v, data);
        if (model != null) {
          model.wrote(w.dev(), v, o, data[0]);
        }
      }
    } else if (op instanceof PoolOp.Insert i) {
      if (i.data() + i.count() > pool.nrDataBlocks()) {
        throw new ThinPoolException(
            "data blocks up to "
                + (i.data() + i.count() - 1)
                + " are beyond the pool's "
                + pool.nrDataBlocks());
      }
      for (long k = 0; k < i.count(); k++) {
        pool.insertMapping(i.dev(), i.vblock() + k, i.data() + k, pool.time());
        if (model != null) {
          model.inserted(i.dev(), i.vblock() + k, i.data() + k);
        }
      }
    } else if (op instanceof PoolOp.Discard d) {
      for (long i = 0; i < d.count(); i++) {
        long v = d.block(i);
        boolean removed = pool.removeMapping(d.dev(), v);
        if (model != null) {
          check(model.discard(d.dev(), v) == removed, "discard of " + d.dev() + ":" + v);
        }
      }
    } else if (op instanceof PoolOp.SetTransactionId t) {
      pool.setTransactionId(t.id());
      if (model != null) {
        model.setTransactionId(t.id());
      }
    } else if (op instanceof PoolOp.ReserveMetadataSnap) {
      pool.reserveMetadataSnap();
      if (model != null) {
        model.reserve();
      }
    } else if (op instanceof PoolOp.ReleaseMetadataSnap) {
      pool.releaseMetadataSnap();
      if (model != null) {
        model.release();
      }
    } else if (op instanceof PoolOp.NeedsCheck n) {
      pool.setNeedsCheck(n.on());
      if (model != null) {
        model.setNeedsCheck(n.on());
      }
    } else if (op instanceof PoolOp.Commit) {
      pool.commit();
      if (model != null) {
        model.commit();
      }
    } else {
      throw new IllegalArgumentException("unknown operation " + op);
    }
  }

  private static void check(boolean ok, String what) {
    if (!ok) {
      throw new IllegalStateException("pool and model disagree: " + what);
    }
  }
}
