package org.thinmeta.pdata.tm;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.thinmeta.pdata.checksum.BlockKind;
import org.thinmeta.pdata.checksum.Checksums;
import org.thinmeta.pdata.damage.CorruptMetadataException;
import org.thinmeta.pdata.io.BlockDevice;
import org.thinmeta.pdata.io.Blocks;
import org.thinmeta.pdata.sm.SpaceMap;

/**
 * Block manager and transaction manager of the write path (the kernel's dm-block-manager and
 * dm-transaction-manager, modelled). Within a transaction only blocks allocated in it ("shadows")
 * are ever modified; a committed block that must change is first copied to a new block (shadowed)
 * and its reference dropped, so the committed superblock's tree stays intact on disk until the next
 * superblock write.
 *
 * <p>A commit is {@link #preCommit()} (the metadata space map writes its index, every dirty block
 * is written, then the device is flushed) followed by {@link #commit(byte[])} (the superblock is
 * written to block 0, then the device is flushed again). Block 0 is the only block ever written in
 * place.
 *
 * <p>Blocks are held as byte arrays in a cache. Arrays from {@link #read} must not be modified;
 * arrays from {@link #newBlock} and {@link #shadow} may be, until the next {@link #writeBack} or
 * commit. Blocks get their {@code blocknr} field (offset 8) and checksum when they are written.
 */
public final class TransactionManager {
  /** A block allocated in this transaction, writable. */
  public record Block(long location, byte[] data) {}

  /**
   * The writable copy returned by {@link #shadow}.
   *
   * @param incChildren true if the original was shared: the caller must add a reference to
   *     everything the block points at, since the copy now holds references of its own
   */
  public record Shadow(long location, byte[] data, boolean incChildren) {}

  private static final class Entry {
    final byte[] data;
    BlockKind kind;
    boolean dirty;

    Entry(byte[] data, BlockKind kind, boolean dirty) {
      this.data = data;
      this.kind = kind;
      this.dirty = dirty;
    }
  }

  private final BlockDevice dev;
  private final LinkedHashMap<Long, Entry> cache = new LinkedHashMap<>(1024, 0.75f, true);
  private final BitSet shadows = new BitSet();
  private SpaceMap sm;
  private int dirty;
  private int cacheBlocks = 32768;
  private int dirtyLimit = 16384;
  private long blocksWritten;
  private long commits;

  /** A transaction manager over {@code dev}; give it its space map with {@link #setSpaceMap}. */
  public TransactionManager(BlockDevice dev) {
    this.dev = dev;
  }

  /** Sets the metadata space map that allocates and counts this manager's blocks. */
  public void setSpaceMap(SpaceMap sm) {
    this.sm = sm;
  }

  /** The metadata space map. */
  public SpaceMap spaceMap() {
    return sm;
  }

  /** The device written to. */
  public BlockDevice device() {
    return dev;
  }

  /**
   * Bounds memory: at most {@code cacheBlocks} blocks are kept once {@link #writeBack} runs, and
   * dirty blocks beyond {@code dirtyLimit} are written early (they are shadows, so writing them
   * before the commit is harmless).
   */
  public void setCacheLimits(int cacheBlocks, int dirtyLimit) {
    this.cacheBlocks = cacheBlocks;
    this.dirtyLimit = dirtyLimit;
  }

  /** Blocks written to the device so far (superblocks included). */
  public long blocksWritten() {
    return blocksWritten;
  }

  /** Commits completed so far. */
  public long commits() {
    return commits;
  }

  /** True if {@code b} was allocated in the current transaction. */
  public boolean isShadow(long b) {
    return shadows.get(Math.toIntExact(b));
  }

  /**
   * The contents of block {@code b}, checked as a block of {@code kind} (checksum and blocknr) when
   * it comes from the device. The array must not be modified.
   *
   * @throws CorruptMetadataException if the block fails its check
   */
  public byte[] read(long b, BlockKind kind) throws IOException {
    Entry e = cache.get(b);
    if (e != null) {
      return e.data;
    }
    return load(b, kind).data;
  }

  private Entry load(long b, BlockKind kind) throws IOException {
    if (b < 0 || b >= dev.nrBlocks()) {
      throw new CorruptMetadataException(
          "block " + Long.toUnsignedString(b) + " is beyond the end of the metadata device");
    }
    ByteBuffer buf = dev.read(b);
    byte[] data = new byte[Blocks.BLOCK_SIZE];
    buf.duplicate().position(0).get(data);
    ByteBuffer w = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
    if (!Checksums.verify(w, kind)) {
      throw new CorruptMetadataException(
          "bad checksum in " + describe(kind) + " (block " + b + ")");
    }
    long nr = LeBytes.getLong(data, 8);
    if (nr != b) {
      throw new CorruptMetadataException(
          describe(kind) + " at block " + b + " claims to be block " + Long.toUnsignedString(nr));
    }
    Entry e = new Entry(data, kind, false);
    cache.put(b, e);
    return e;
  }

  private static String describe(BlockKind kind) {
    switch (kind) {
      case NODE:
        return "btree node";
      case BITMAP:
        return "space map bitmap";
      case INDEX:
        return "space map index block";
      case THIN_SUPERBLOCK:
        return "superblock";
      default:
        return kind.toString();
    }
  }

  /** Allocates a zeroed block in this transaction. */
  public Block newBlock(BlockKind kind) throws IOException {
    long b = sm.newBlock();
    byte[] data = new byte[Blocks.BLOCK_SIZE];
    putDirty(b, data, kind);
    shadows.set(Math.toIntExact(b));
    return new Block(b, data);
  }

  /**
   * Makes block {@code orig} writable: a block allocated in this transaction and not shared is
   * returned as it is; anything else is copied to a new block and the original loses one reference.
   */
  public Shadow shadow(long orig, BlockKind kind) throws IOException {
    boolean shared = sm.countIsMoreThanOne(orig);
    if (isShadow(orig) && !shared) {
      Entry e = cache.get(orig);
      if (e == null) {
        e = load(orig, kind);
      }
      if (!e.dirty) {
        e.dirty = true;
        dirty++;
      }
      e.kind = kind;
      return new Shadow(orig, e.data, false);
    }
    byte[] src = read(orig, kind);
    long b = sm.newBlock();
    sm.dec(orig);
    putDirty(b, src.clone(), kind);
    shadows.set(Math.toIntExact(b));
    return new Shadow(b, cache.get(b).data, shared);
  }

  private void putDirty(long b, byte[] data, BlockKind kind) {
    Entry old = cache.put(b, new Entry(data, kind, true));
    if (old == null || !old.dirty) {
      dirty++;
    }
  }

  /** Adds a reference to {@code b}. */
  public void inc(long b) throws IOException {
    sm.inc(b);
  }

  /** Drops a reference to {@code b}. */
  public void dec(long b) throws IOException {
    sm.dec(b);
  }

  /** The reference count of {@code b}. */
  public long refCount(long b) throws IOException {
    return sm.count(b);
  }

  /**
   * A safe point (no writable array is held): writes dirty blocks early and drops clean ones when
   * the cache is over its limits.
   */
  public void writeBack() throws IOException {
    if (dirty > dirtyLimit) {
      int target = dirtyLimit / 2;
      for (Map.Entry<Long, Entry> me : cache.entrySet()) {
        if (dirty <= target) {
          break;
        }
        Entry e = me.getValue();
        if (e.dirty) {
          writeOut(me.getKey(), e);
        }
      }
    }
    if (cache.size() > cacheBlocks) {
      int target = cacheBlocks * 3 / 4;
      Iterator<Map.Entry<Long, Entry>> it = cache.entrySet().iterator();
      while (it.hasNext() && cache.size() > target) {
        Map.Entry<Long, Entry> me = it.next();
        if (!me.getValue().dirty && me.getKey() != 0) {
          it.remove();
        }
      }
    }
  }

  private void writeOut(long b, Entry e) throws IOException {
    if (b == 0 || !isShadow(b)) {
      throw new IllegalStateException("refusing to overwrite committed block " + b);
    }
    LeBytes.putLong(e.data, 8, b);
    Checksums.stamp(ByteBuffer.wrap(e.data).order(ByteOrder.LITTLE_ENDIAN), e.kind);
    dev.write(b, ByteBuffer.wrap(e.data));
    blocksWritten++;
    e.dirty = false;
    dirty--;
  }

  /**
   * First half of a commit: the space map writes its index, then every dirty block is written and
   * forced to stable storage.
   */
  public void preCommit() throws IOException {
    sm.commit();
    List<Long> todo = new ArrayList<>(dirty);
    for (Map.Entry<Long, Entry> me : cache.entrySet()) {
      if (me.getValue().dirty) {
        todo.add(me.getKey());
      }
    }
    todo.sort(null);
    for (long b : todo) {
      writeOut(b, cache.get(b));
    }
    dev.flush();
  }

  /**
   * Second half of a commit: writes {@code superblock} (blocknr and checksum are set here) to block
   * 0 and forces it. The next transaction starts.
   */
  public void commit(byte[] superblock) throws IOException {
    if (dirty != 0) {
      throw new IllegalStateException(dirty + " dirty blocks at commit");
    }
    byte[] sb = superblock.clone();
    LeBytes.putLong(sb, 8, 0);
    Checksums.stamp(ByteBuffer.wrap(sb).order(ByteOrder.LITTLE_ENDIAN), BlockKind.THIN_SUPERBLOCK);
    dev.write(0, ByteBuffer.wrap(sb));
    blocksWritten++;
    dev.flush();
    cache.put(0L, new Entry(sb, BlockKind.THIN_SUPERBLOCK, false));
    shadows.clear();
    commits++;
  }

  /** Number of dirty blocks waiting for the commit. */
  public int dirtyBlocks() {
    return dirty;
  }
}
