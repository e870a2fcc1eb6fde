package org.thinmeta.thin.write;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A plain in-memory model of a pool, for cross-checking {@link ThinPool}: devices as sorted maps of
 * virtual block to (data block, time), with the details the kernel keeps. It takes the data blocks
 * the engine allocates and checks that each was free in both the current and the last committed
 * state (and not held by the metadata snapshot). It predicts which operations the pool must refuse
 * and what a write does.
 */
public final class PoolModel {
  /** A mapping. */
  public record Mapping(long data, long time) {}

  /** A device: mappings and details (mapped_blocks is the number of mappings). */
  public record Device(
      SortedMap<Long, Mapping> map, long transactionId, long creationTime, long snapshottedTime) {
    Device copy() {
      return new Device(new TreeMap<>(map), transactionId, creationTime, snapshottedTime);
    }
  }

  /** A committed (or held) state of the whole pool. */
  public record State(SortedMap<Long, Device> devices, long time, long transactionId, int flags) {}

  private final long nrDataBlocks;
  private SortedMap<Long, Device> devices = new TreeMap<>();
  private long time;
  private long transactionId;
  private int flags;
  private State committed;
  private State held;
  private State committedHeld;
  private final Map<Long, Integer> liveRefs = new HashMap<>();
  private Set<Long> committedRefs = new HashSet<>();
  private Set<Long> heldRefs = new HashSet<>();

  /** The model of a freshly formatted pool of {@code nrDataBlocks} data blocks. */
  public PoolModel(long nrDataBlocks) {
    this.nrDataBlocks = nrDataBlocks;
    committed = snapshot();
  }

  /**
   * The model of an existing pool: {@code current} is its committed state, {@code held} the
   * metadata snapshot's (or null).
   */
  public static PoolModel of(long nrDataBlocks, State current, State held) {
    PoolModel m = new PoolModel(nrDataBlocks);
    for (Map.Entry<Long, Device> e : current.devices().entrySet()) {
      m.devices.put(e.getKey(), e.getValue().copy());
      for (Mapping x : e.getValue().map().values()) {
        m.ref(x.data(), 1);
      }
    }
    m.time = current.time();
    m.transactionId = current.transactionId();
    m.flags = current.flags();
    if (held != null) {
      m.held = held;
      for (Device d : held.devices().values()) {
        for (Mapping x : d.map().values()) {
          m.heldRefs.add(x.data());
        }
      }
    }
    m.commit();
    return m;
  }

  /** The state as it stands in the open transaction. */
  public State current() {
    return snapshot();
  }

  /** The state at the last commit. */
  public State committed() {
    return committed;
  }

  /** The state held by the metadata snapshot, or null. */
  public State held() {
    return held;
  }

  /** The metadata snapshot as of the last commit (what the committed superblock names), or null. */
  public State committedHeld() {
    return committedHeld;
  }

  private State snapshot() {
    SortedMap<Long, Device> copy = new TreeMap<>();
    for (Map.Entry<Long, Device> e : devices.entrySet()) {
      copy.put(e.getKey(), e.getValue().copy());
    }
    return new State(copy, time, transactionId, flags);
  }

  /** Why the pool must refuse {@code op}, or null if it must accept it. */
  public String reject(PoolOp op) {
    if (op instanceof PoolOp.CreateThin c) {
      return newDevice(c.dev());
    } else if (op instanceof PoolOp.CreateSnap c) {
      String why = newDevice(c.dev());
      return why != null ? why : missing(c.origin());
    } else if (op instanceof PoolOp.Delete d) {
      return missing(d.dev());
    } else if (op instanceof PoolOp.Provision p) {
      return missing(p.dev());
    } else if (op instanceof PoolOp.Write w) {
      return missing(w.dev());
    } else if (op instanceof PoolOp.Insert i) {
      if (i.data() + i.count() > nrDataBlocks) {
        return "data block beyond the pool";
      }
      return missing(i.dev());
    } else if (op instanceof PoolOp.Discard d) {
      return missing(d.dev());
    } else if (op instanceof PoolOp.ReserveMetadataSnap) {
      return held != null ? "metadata snapshot exists" : null;
    } else if (op instanceof PoolOp.ReleaseMetadataSnap) {
      return held == null ? "no metadata snapshot" : null;
    }
    return null;
  }

  private String newDevice(long dev) {
    if (dev > ThinPool.MAX_DEV_ID) {
      return "device id out of range";
    }
    return devices.containsKey(dev) ? "device exists" : null;
  }

  private String missing(long dev) {
    return devices.containsKey(dev) ? null : "no device " + dev;
  }

  /** A thin device was created. */
  public void createThin(long dev) {
    devices.put(dev, new Device(new TreeMap<>(), transactionId, time, time));
  }

  /** A snapshot was created. */
  public void createSnap(long dev, long origin) {
    Device o = devices.get(origin);
    time++;
    devices.put(origin, new Device(o.map(), o.transactionId(), o.creationTime(), time));
    devices.put(dev, new Device(new TreeMap<>(o.map()), transactionId, time, time));
    for (Mapping m : o.map().values()) {
      ref(m.data(), 1);
    }
  }

  /** A device was deleted. */
  public void delete(long dev) {
    for (Mapping m : devices.remove(dev).map().values()) {
      ref(m.data(), -1);
    }
  }

  /** True if the model has {@code vblock} mapped in {@code dev}. */
  public boolean mapped(long dev, long vblock) {
    return devices.get(dev).map().containsKey(vblock);
  }

  /** What a write to {@code vblock} must do. */
  public ThinPool.WriteOutcome expectedWrite(long dev, long vblock) {
    Device d = devices.get(dev);
    Mapping m = d.map().get(vblock);
    if (m == null) {
      return ThinPool.WriteOutcome.PROVISIONED;
    }
    return m.time() < d.snapshottedTime()
        ? ThinPool.WriteOutcome.BROKE_SHARING
        : ThinPool.WriteOutcome.IN_PLACE;
  }

  /**
   * Records a write and checks what the engine did.
   *
   * @throws IllegalStateException if the outcome or the data block is wrong
   */
  public void wrote(long dev, long vblock, ThinPool.WriteOutcome outcome, long data) {
    ThinPool.WriteOutcome want = expectedWrite(dev, vblock);
    if (want != outcome) {
      throw new IllegalStateException(
          "write " + dev + ":" + vblock + " did " + outcome + ", expected " + want);
    }
    if (outcome == ThinPool.WriteOutcome.IN_PLACE) {
      long have = devices.get(dev).map().get(vblock).data();
      if (have != data) {
        throw new IllegalStateException("in-place write moved " + have + " to " + data);
      }
      return;
    }
    checkFresh(data);
    put(dev, vblock, new Mapping(data, time));
  }

  /** Records an explicit insert. */
  public void inserted(long dev, long vblock, long data) {
    put(dev, vblock, new Mapping(data, time));
  }

  /** Records a discard; returns whether the block was mapped (the engine must agree). */
  public boolean discard(long dev, long vblock) {
    Mapping m = devices.get(dev).map().remove(vblock);
    if (m != null) {
      ref(m.data(), -1);
    }
    return m != null;
  }

  private void put(long dev, long vblock, Mapping m) {
    Mapping old = devices.get(dev).map().put(vblock, m);
    if (old != null) {
      ref(old.data(), -1);
    }
    ref(m.data(), 1);
  }

  private void checkFresh(long data) {
    if (data < 0 || data >= nrDataBlocks) {
      throw new IllegalStateException("allocated data block " + data + " is beyond the pool");
    }
    if (liveRefs.containsKey(data)) {
      throw new IllegalStateException("allocated data block " + data + " is in use");
    }
    if (committedRefs.contains(data)) {
      throw new IllegalStateException(
          "allocated data block " + data + " is used by the committed metadata");
    }
    if (heldRefs.contains(data)) {
      throw new IllegalStateException(
          "allocated data block " + data + " is used by the metadata snapshot");
    }
  }

  private void ref(long data, int delta) {
    liveRefs.merge(data, delta, (a, b) -> a + b == 0 ? null : a + b);
  }

  /** Records a transaction id change. */
  public void setTransactionId(long id) {
    transactionId = id;
  }

  /** Records a NEEDS_CHECK change. */
  public void setNeedsCheck(boolean on) {
    flags = on ? flags | 1 : flags & ~1;
  }

  /** Records a commit. */
  public void commit() {
    committed = snapshot();
    committedHeld = held;
    committedRefs = new HashSet<>(liveRefs.keySet());
    // The committed superblock still reaches what the metadata snapshot holds.
    committedRefs.addAll(heldRefs);
  }

  /** Records taking the metadata snapshot (which commits first). */
  public void reserve() {
    commit();
    held = committed;
    heldRefs = new HashSet<>(committedRefs);
  }

  /** Records dropping the metadata snapshot. */
  public void release() {
    held = null;
    heldRefs = new HashSet<>();
  }
}
