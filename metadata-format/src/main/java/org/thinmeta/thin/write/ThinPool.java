package org.thinmeta.thin.write;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.thinmeta.pdata.checksum.BlockKind;
import org.thinmeta.pdata.cow.BTree;
import org.thinmeta.pdata.cow.ValueType;
import org.thinmeta.pdata.damage.CorruptMetadataException;
import org.thinmeta.pdata.io.BlockDevice;
import org.thinmeta.pdata.io.Blocks;
import org.thinmeta.pdata.sm.DiskSpaceMap;
import org.thinmeta.pdata.sm.MetadataSpaceMap;
import org.thinmeta.pdata.spacemap.Bitmap;
import org.thinmeta.pdata.spacemap.SmRoot;
import org.thinmeta.pdata.spacemap.SpaceMapReader;
import org.thinmeta.pdata.tm.LeBytes;
import org.thinmeta.pdata.tm.TransactionManager;
import org.thinmeta.thin.format.BlockTime;
import org.thinmeta.thin.format.DeviceDetails;
import org.thinmeta.thin.format.Superblock;

/**
 * A thin pool's metadata, changed the way the kernel's dm-thin-metadata changes it: every operation
 * goes through copy-on-write btrees and the two space maps of a {@link TransactionManager}, and
 * {@link #commit()} makes the changes durable with two forced writes (all new blocks, then the
 * superblock). Between commits the device still holds the last committed metadata intact, so a
 * crash loses at most the open transaction.
 *
 * <p>Device details changed in a transaction are kept in memory and written to the details tree at
 * commit, as the kernel does. An operation that fails half-way (out of space, corrupt input, an I/O
 * error) leaves the pool unusable: reopen it from the device, which holds the last commit.
 * Operations refused up front throw {@link ThinPoolException} and change nothing.
 *
 * <pre>
 * ThinPool pool = ThinPool.format(dev, 128, 1 &lt;&lt; 20, ThinPool.Options.DEFAULT);
 * pool.createThin(0);
 * pool.provision(0, 42);
 * pool.createSnap(1, 0);
 * pool.commit();
 * </pre>
 */
public final class ThinPool {
  /** Largest thin device id the kernel accepts. */
  public static final long MAX_DEV_ID = (1L << 24) - 1;

  /** Metadata version written at format. */
  public static final int VERSION = 2;

  /** Most metadata blocks the metadata space map can cover. */
  public static final long MAX_METADATA_BLOCKS =
      (long) SpaceMapReader.METADATA_INDEX_ENTRIES * Bitmap.ENTRIES_PER_BLOCK;

  /**
   * Engine settings.
   *
   * @param opOrder order of the metadata space map's deferred operations
   * @param cacheBlocks blocks kept in memory at safe points
   * @param dirtyLimit dirty blocks beyond which new blocks are written before the commit
   */
  public record Options(MetadataSpaceMap.OpOrder opOrder, int cacheBlocks, int dirtyLimit) {
    /** FIFO, 32768 cached blocks (128 MiB), early writes beyond 16384 dirty blocks. */
    public static final Options DEFAULT = new Options(MetadataSpaceMap.OpOrder.FIFO, 32768, 16384);

    /** These options with another operation order. */
    public Options withOpOrder(MetadataSpaceMap.OpOrder order) {
      return new Options(order, cacheBlocks, dirtyLimit);
    }
  }

  /** What a write to a virtual block did to the metadata. */
  public enum WriteOutcome {
    /** The block was unmapped: a new data block was mapped. */
    PROVISIONED,
    /** The block was shared with a snapshot: a new data block replaced it (copy-on-write). */
    BROKE_SHARING,
    /** The block was mapped and not shared: the data is written in place, no metadata change. */
    IN_PLACE
  }

  /** A mapping: data block and the time it was written. */
  public record Mapping(long dataBlock, long time) {}

  /** Something to run before every commit, e.g. flushing the data device. */
  @FunctionalInterface
  public interface PreCommitHook {
    /** Runs before the metadata is committed. */
    void run() throws IOException;
  }

  private final BlockDevice dev;
  private final TransactionManager tm;
  private final MetadataSpaceMap metadataSm;
  private final DiskSpaceMap dataSm;
  private final BTree details;
  private final BTree bottom;
  private final BTree top;
  private final byte[] template;
  private final SortedMap<Long, DeviceDetails> changed = new TreeMap<>();
  private long mappingRoot;
  private long detailsRoot;
  private long time;
  private long transactionId;
  private int flags;
  private long heldRoot;
  private final int version;
  private final long dataBlockSize;
  private final long metadataNrBlocks;
  private PreCommitHook preCommit;
  private boolean failed;

  private ThinPool(
      BlockDevice dev,
      TransactionManager tm,
      MetadataSpaceMap metadataSm,
      DiskSpaceMap dataSm,
      byte[] template,
      int version,
      long dataBlockSize,
      long metadataNrBlocks) {
    this.dev = dev;
    this.tm = tm;
    this.metadataSm = metadataSm;
    this.dataSm = dataSm;
    this.template = template;
    this.version = version;
    this.dataBlockSize = dataBlockSize;
    this.metadataNrBlocks = metadataNrBlocks;
    this.details = new BTree(tm, ValueType.plain(DeviceDetails.SIZE));
    this.bottom = new BTree(tm, new MappingValueType(dataSm));
    this.top = new BTree(tm, new SubtreeValueType(tm, bottom));
  }

  /**
   * Writes a new, empty pool to {@code dev} and commits it: version 2, time 0, transaction 0, no
   * devices, a data space map of {@code nrDataBlocks} blocks.
   *
   * @param dataBlockSize in sectors: a multiple of 128 in [128, 2097152]
   */
  public static ThinPool format(
      BlockDevice dev, long dataBlockSize, long nrDataBlocks, Options options) throws IOException {
    if (dataBlockSize < 128 || dataBlockSize > 2097152 || dataBlockSize % 128 != 0) {
      throw new ThinPoolException("invalid data block size " + dataBlockSize);
    }
    if (nrDataBlocks < 0 || nrDataBlocks >= 1L << 40) {
      throw new ThinPoolException("invalid number of data blocks " + nrDataBlocks);
    }
    long nrMeta = Math.min(dev.nrBlocks(), MAX_METADATA_BLOCKS);
    TransactionManager tm = newTm(dev, options);
    MetadataSpaceMap msm = MetadataSpaceMap.create(tm, nrMeta, options.opOrder());
    DiskSpaceMap dsm = DiskSpaceMap.create(tm, nrDataBlocks);
    ThinPool pool =
        new ThinPool(dev, tm, msm, dsm, Blocks.allocate().array(), VERSION, dataBlockSize, nrMeta);
    pool.mappingRoot = pool.top.empty();
    pool.detailsRoot = pool.details.empty();
    pool.commit();
    return pool;
  }

  /**
   * Opens the committed metadata on {@code dev} for changes.
   *
   * @throws CorruptMetadataException if the superblock or the space maps cannot be read
   */
  public static ThinPool open(BlockDevice dev, Options options) throws IOException {
    ByteBuffer raw = dev.read(0);
    if (!Superblock.checksumOk(raw)) {
      throw new CorruptMetadataException("bad checksum in superblock");
    }
    Superblock sb = Superblock.decode(raw);
    if (sb.magic() != Superblock.MAGIC) {
      throw new CorruptMetadataException("bad magic number in superblock");
    }
    TransactionManager tm = newTm(dev, options);
    MetadataSpaceMap msm = MetadataSpaceMap.open(tm, sb.metadataSmRoot(), options.opOrder());
    if (msm.nrBlocks() > dev.nrBlocks()) {
      throw new CorruptMetadataException(
          "metadata space map covers "
              + msm.nrBlocks()
              + " blocks but the device has "
              + dev.nrBlocks());
    }
    DiskSpaceMap dsm = DiskSpaceMap.open(tm, sb.dataSmRoot());
    byte[] template = new byte[Blocks.BLOCK_SIZE];
    raw.duplicate().position(0).get(template);
    ThinPool pool =
        new ThinPool(
            dev, tm, msm, dsm, template, sb.version(), sb.dataBlockSize(), sb.metadataNrBlocks());
    pool.mappingRoot = sb.mappingRoot();
    pool.detailsRoot = sb.detailsRoot();
    pool.time = sb.time();
    pool.transactionId = sb.transactionId();
    pool.flags = sb.flags();
    pool.heldRoot = sb.metadataSnap();
    return pool;
  }

  private static TransactionManager newTm(BlockDevice dev, Options options) {
    TransactionManager tm = new TransactionManager(dev);
    tm.setCacheLimits(options.cacheBlocks(), options.dirtyLimit());
    return tm;
  }

  /** Sets a hook run at the start of every commit (null for none). */
  public void setPreCommitHook(PreCommitHook hook) {
    this.preCommit = hook;
  }

  /** The device written to. */
  public BlockDevice device() {
    return dev;
  }

  /** The transaction manager (for statistics and tests). */
  public TransactionManager transactionManager() {
    return tm;
  }

  /** The metadata space map. */
  public MetadataSpaceMap metadataSpaceMap() {
    return metadataSm;
  }

  /** The data space map. */
  public DiskSpaceMap dataSpaceMap() {
    return dataSm;
  }

  /** The snapshot time counter. */
  public long time() {
    return time;
  }

  /** The transaction id. */
  public long transactionId() {
    return transactionId;
  }

  /** The superblock flags. */
  public int flags() {
    return flags;
  }

  /** The metadata snapshot's block, or 0. */
  public long metadataSnap() {
    return heldRoot;
  }

  /** The data block size in sectors. */
  public long dataBlockSize() {
    return dataBlockSize;
  }

  /** Number of data blocks. */
  public long nrDataBlocks() throws IOException {
    return dataSm.nrBlocks();
  }

  /** Number of free data blocks (in the current transaction). */
  public long freeDataBlocks() throws IOException {
    return dataSm.nrBlocks() - dataSm.nrAllocated();
  }

  /** Number of free metadata blocks (in the current transaction). */
  public long freeMetadataBlocks() throws IOException {
    return metadataSm.nrBlocks() - metadataSm.nrAllocated();
  }

  /** True after a failure that left the transaction half-done. */
  public boolean failed() {
    return failed;
  }

  // ---- queries ----

  /** True if thin device {@code dev} exists. */
  public boolean exists(long devId) throws IOException {
    usable();
    return top.lookup64(mappingRoot, devId, -1) != -1;
  }

  /** The ids of all thin devices, ascending. */
  public SortedMap<Long, DeviceDetails> devices() throws IOException {
    usable();
    SortedMap<Long, DeviceDetails> out = new TreeMap<>();
    top.forEach(mappingRoot, (k, n, off) -> out.put(k, null));
    for (Map.Entry<Long, DeviceDetails> e : out.entrySet()) {
      e.setValue(details(e.getKey()));
    }
    return out;
  }

  /** The details of {@code dev} as they stand in this transaction. */
  public DeviceDetails details(long devId) throws IOException {
    usable();
    DeviceDetails d = changed.get(devId);
    if (d != null) {
      return d;
    }
    byte[] v = new byte[DeviceDetails.SIZE];
    if (!details.lookup(detailsRoot, devId, v)) {
      throw new ThinPoolException("unknown thin device " + devId);
    }
    return DeviceDetails.decode(ByteBuffer.wrap(v).order(ByteOrder.LITTLE_ENDIAN), 0);
  }

  /** The mapping of {@code vblock} in {@code dev}, or null. */
  public Mapping lookup(long devId, long vblock) throws IOException {
    long root = subtree(devId);
    long v = bottom.lookup64(root, vblock, -1);
    return v == -1 ? null : new Mapping(BlockTime.dataBlock(v), BlockTime.time(v));
  }

  private long subtree(long devId) throws IOException {
    usable();
    long root = top.lookup64(mappingRoot, devId, -1);
    if (root == -1) {
      throw new ThinPoolException("unknown thin device " + devId);
    }
    return root;
  }

  // ---- operations ----

  /** Creates an empty thin device. */
  public void createThin(long devId) throws IOException {
    checkNew(devId);
    guarded(
        () -> {
          long root = bottom.empty();
          mappingRoot = top.insert(mappingRoot, devId, le64(root)).root();
          changed.put(devId, new DeviceDetails(0, transactionId, time, time));
        });
  }

  /**
   * Creates {@code devId} as a snapshot of {@code origin}: the origin's mapping tree gains a
   * reference and is shared, the time counter advances, and both devices record it as their
   * snapshot time.
   */
  public void createSnap(long devId, long origin) throws IOException {
    checkNew(devId);
    long originRoot = subtree(origin);
    DeviceDetails o = details(origin);
    guarded(
        () -> {
          tm.inc(originRoot);
          mappingRoot = top.insert(mappingRoot, devId, le64(originRoot)).root();
          time++;
          changed.put(
              origin,
              new DeviceDetails(o.mappedBlocks(), o.transactionId(), o.creationTime(), time));
          changed.put(devId, new DeviceDetails(o.mappedBlocks(), transactionId, time, time));
        });
  }

  /** Deletes a device: its details go, and its mapping tree loses a reference (§6). */
  public void deleteDevice(long devId) throws IOException {
    subtree(devId);
    guarded(
        () -> {
          changed.remove(devId);
          BTree.Remove r = details.remove(detailsRoot, devId);
          detailsRoot = r.root();
          mappingRoot = top.remove(mappingRoot, devId).root();
        });
  }

  /** Maps the unmapped {@code vblock} to a newly allocated data block and returns that block. */
  public long provision(long devId, long vblock) throws IOException {
    subtree(devId);
    long[] out = new long[1];
    guarded(
        () -> {
          long data = dataSm.newBlock();
          insert(devId, vblock, BlockTime.pack(data, time));
          out[0] = data;
        });
    return out[0];
  }

  /**
   * A write to {@code vblock} as the kernel handles it: an unmapped block is provisioned; a block
   * that may be shared (written before the device's last snapshot) gets a new data block; any other
   * is written in place. {@code newBlock[0]} receives the data block mapped afterwards.
   */
  public WriteOutcome write(long devId, long vblock, long[] newBlock) throws IOException {
    Mapping m = lookup(devId, vblock);
    if (m == null) {
      newBlock[0] = provision(devId, vblock);
      return WriteOutcome.PROVISIONED;
    }
    if (m.time() < details(devId).snapshottedTime()) {
      guarded(
          () -> {
            long data = dataSm.newBlock();
            insert(devId, vblock, BlockTime.pack(data, time));
            newBlock[0] = data;
          });
      return WriteOutcome.BROKE_SHARING;
    }
    newBlock[0] = m.dataBlock();
    return WriteOutcome.IN_PLACE;
  }

  /**
   * Maps {@code vblock} to the given data block with the given time (restore and repair write
   * mappings they know): the data block gains a reference, a different block mapped before loses
   * one.
   */
  public void insertMapping(long devId, long vblock, long dataBlock, long mappingTime)
      throws IOException {
    if (dataBlock < 0 || dataBlock >= dataSm.nrBlocks()) {
      throw new ThinPoolException(
          "data block " + dataBlock + " is beyond the pool's " + dataSm.nrBlocks() + " blocks");
    }
    Mapping m = lookup(devId, vblock);
    guarded(
        () -> {
          if (m == null || m.dataBlock() != dataBlock) {
            dataSm.inc(dataBlock);
          }
          insert(devId, vblock, BlockTime.pack(dataBlock, mappingTime));
        });
  }

  private void insert(long devId, long vblock, long value) throws IOException {
    BTree.Insert r = top.insertNested(bottom, mappingRoot, devId, vblock, le64(value));
    mappingRoot = r.root();
    DeviceDetails d = details(devId);
    changed.put(
        devId,
        new DeviceDetails(
            d.mappedBlocks() + (r.inserted() ? 1 : 0),
            d.transactionId(),
            d.creationTime(),
            d.snapshottedTime()));
  }

  /** Unmaps {@code vblock} (a discard); its data block loses a reference. True if it was mapped. */
  public boolean removeMapping(long devId, long vblock) throws IOException {
    subtree(devId);
    if (lookup(devId, vblock) == null) {
      return false;
    }
    DeviceDetails d = details(devId);
    guarded(
        () -> {
          BTree.Remove r = top.removeNested(bottom, mappingRoot, devId, vblock);
          mappingRoot = r.root();
          if (!r.removed()) {
            throw new IllegalStateException("mapping " + devId + ":" + vblock + " vanished");
          }
          changed.put(
              devId,
              new DeviceDetails(
                  d.mappedBlocks() - 1, d.transactionId(), d.creationTime(), d.snapshottedTime()));
        });
    return true;
  }

  /** Replaces the details of a device (repair and restore set them verbatim). */
  public void setDetails(long devId, DeviceDetails d) throws IOException {
    subtree(devId);
    changed.put(devId, d);
  }

  /** Sets the userland transaction id. */
  public void setTransactionId(long id) throws IOException {
    usable();
    transactionId = id;
  }

  /** Sets the snapshot time counter (restore and repair). */
  public void setTime(long t) throws IOException {
    usable();
    time = t;
  }

  /** Sets or clears the NEEDS_CHECK flag. */
  public void setNeedsCheck(boolean on) throws IOException {
    usable();
    flags = on ? flags | Superblock.NEEDS_CHECK : flags & ~Superblock.NEEDS_CHECK;
  }

  /**
   * Takes the metadata snapshot (§5): commits, copies the superblock to a new block with zeroed
   * space-map roots, adds a reference to the copy's mapping and details roots, and records the copy
   * in the superblock (durable at the next commit).
   */
  public void reserveMetadataSnap() throws IOException {
    usable();
    if (heldRoot != 0) {
      throw new ThinPoolException("a metadata snapshot already exists: release it first");
    }
    commit();
    guarded(
        () -> {
          tm.inc(0);
          TransactionManager.Shadow copy = tm.shadow(0, BlockKind.THIN_SUPERBLOCK);
          byte[] c = copy.data();
          java.util.Arrays.fill(c, 64, 64 + 2 * SmRoot.SLOT_SIZE, (byte) 0);
          LeBytes.putLong(c, 56, 0);
          tm.inc(LeBytes.getLong(c, 320));
          tm.inc(LeBytes.getLong(c, 328));
          heldRoot = copy.location();
        });
  }

  /** Drops the metadata snapshot: its trees and its superblock copy lose their references. */
  public void releaseMetadataSnap() throws IOException {
    usable();
    if (heldRoot == 0) {
      throw new ThinPoolException("no metadata snapshot to release");
    }
    guarded(
        () -> {
          long held = heldRoot;
          byte[] c = tm.read(held, BlockKind.THIN_SUPERBLOCK);
          long snapMapping = LeBytes.getLong(c, 320);
          long snapDetails = LeBytes.getLong(c, 328);
          heldRoot = 0;
          top.delete(snapMapping);
          details.delete(snapDetails);
          tm.dec(held);
        });
  }

  /**
   * Commits the transaction: writes changed device details, runs the pre-commit hook, commits the
   * data space map, writes and forces every new block, then writes and forces the superblock.
   */
  public void commit() throws IOException {
    usable();
    guarded(
        () -> {
          for (Map.Entry<Long, DeviceDetails> e : changed.entrySet()) {
            byte[] v = new byte[DeviceDetails.SIZE];
            e.getValue().encode(ByteBuffer.wrap(v).order(ByteOrder.LITTLE_ENDIAN), 0);
            detailsRoot = details.insert(detailsRoot, e.getKey(), v).root();
          }
          changed.clear();
          if (preCommit != null) {
            preCommit.run();
          }
          dataSm.commit();
          tm.preCommit();
          Superblock sb =
              new Superblock(
                  flags,
                  0,
                  Superblock.MAGIC,
                  version,
                  time,
                  transactionId,
                  heldRoot,
                  dataSm.root(),
                  metadataSm.root(),
                  mappingRoot,
                  detailsRoot,
                  dataBlockSize,
                  Blocks.METADATA_BLOCK_SECTORS,
                  metadataNrBlocks,
                  LeBytes.getInt(template, 352),
                  LeBytes.getInt(template, 356),
                  LeBytes.getInt(template, 360));
          ByteBuffer b = ByteBuffer.wrap(template).order(ByteOrder.LITTLE_ENDIAN);
          sb.encodeInto(b);
          tm.commit(template);
        });
  }

  // ---- plumbing ----

  private interface Step {
    void run() throws IOException;
  }

  private void guarded(Step step) throws IOException {
    usable();
    try {
      step.run();
      tm.writeBack();
    } catch (IOException | RuntimeException | Error e) {
      failed = true;
      throw e;
    }
  }

  private void usable() {
    if (failed) {
      throw new IllegalStateException(
          "the pool failed in an earlier operation; reopen it from the device");
    }
  }

  private void checkNew(long devId) throws IOException {
    usable();
    if (devId < 0 || devId > MAX_DEV_ID) {
      throw new ThinPoolException("thin device id " + devId + " is out of range");
    }
    if (exists(devId)) {
      throw new ThinPoolException("thin device " + devId + " already exists");
    }
  }

  private static byte[] le64(long v) {
    byte[] b = new byte[8];
    LeBytes.putLong(b, 0, v);
    return b;
  }

  /** Bottom-level values: a block_time whose data block holds a data space-map reference. */
  static final class MappingValueType implements ValueType {
    private final DiskSpaceMap data;

    MappingValueType(DiskSpaceMap data) {
      this.data = data;
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
      data.inc(BlockTime.dataBlock(LeBytes.getLong(node, off)));
    }

    @Override
    public void dec(byte[] node, int off) throws IOException {
      data.dec(BlockTime.dataBlock(LeBytes.getLong(node, off)));
    }

    @Override
    public boolean equal(byte[] a, int aoff, byte[] b, int boff) {
      return BlockTime.dataBlock(LeBytes.getLong(a, aoff))
          == BlockTime.dataBlock(LeBytes.getLong(b, boff));
    }
  }

  /** Top-level values: the root of a device's mapping tree, holding a metadata reference. */
  static final class SubtreeValueType implements ValueType {
    private final TransactionManager tm;
    private final BTree bottom;

    SubtreeValueType(TransactionManager tm, BTree bottom) {
      this.tm = tm;
      this.bottom = bottom;
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
      tm.inc(LeBytes.getLong(node, off));
    }

    @Override
    public void dec(byte[] node, int off) throws IOException {
      bottom.delete(LeBytes.getLong(node, off));
    }
  }
}
