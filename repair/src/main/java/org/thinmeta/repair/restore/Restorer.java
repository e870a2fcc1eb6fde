package org.thinmeta.repair.restore;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.thinmeta.pdata.btree.Node;
import org.thinmeta.pdata.build.BTreeBuilder;
import org.thinmeta.pdata.build.DataCounts;
import org.thinmeta.pdata.build.LeafRef;
import org.thinmeta.pdata.build.MetadataSpace;
import org.thinmeta.pdata.build.OutOfMetadataSpaceException;
import org.thinmeta.pdata.build.SpaceMapWriter;
import org.thinmeta.pdata.build.WriteBehindDevice;
import org.thinmeta.pdata.io.BlockDevice;
import org.thinmeta.pdata.io.Blocks;
import org.thinmeta.pdata.spacemap.SmRoot;
import org.thinmeta.thin.format.BlockTime;
import org.thinmeta.thin.format.DeviceDetails;
import org.thinmeta.thin.format.Superblock;
import org.thinmeta.thin.ir.DeviceInfo;
import org.thinmeta.thin.ir.InvalidInputException;
import org.thinmeta.thin.ir.MetadataVisitor;
import org.thinmeta.thin.ir.SuperblockInfo;
import org.thinmeta.thin.xml.XmlMetadataReader;

/**
 * Writes a fresh metadata image from a stream of metadata events (format doc §9): each device's
 * mapping tree is built bottom-up as its mappings arrive, {@code <def>} runs are written once and
 * shared by the devices that {@code <ref>} them, then the details and top-level trees, the data and
 * metadata space maps, and last the superblock (version 2, NEEDS_CHECK clear, no metadata
 * snapshot). A device's {@code mapped_blocks} is counted from its mappings (as 0.9.0 does; 1.3.3
 * copies the XML's value), so the details always agree with the trees.
 *
 * <p>Crash and failure safety: the new superblock is written at block 0 only after every other
 * block of the new pool has been forced to disk, and is forced in turn. What happens before depends
 * on what the output holds ({@link #prepareOutput}):
 *
 * <ul>
 *   <li>Valid old metadata (a superblock with good checksum, magic and {@code blocknr}, whose
 *       metadata space map's index and bitmaps read back with good checksums; see {@link
 *       OldMetadata}): block 0 is not touched, and the new pool is allocated only in blocks the old
 *       space map counts as free (never block 0, never a block of the old metadata, its metadata
 *       snapshot included). A restore that fails or is cut short at any write or flush before the
 *       new superblock leaves the old metadata exactly as it was; after it, the new pool. The new
 *       pool's space map counts only its own blocks: the old ones are free in it.
 *   <li>Valid old metadata, but the new pool does not fit in the blocks it leaves free: when the
 *       allocator finds only old blocks free, block 0 is zeroed and forced, and from then on the
 *       old blocks are used too. A failure or crash after that point leaves no valid superblock (or
 *       the new pool, once its superblock is on disk); before it, the old metadata. An output too
 *       small for the space maps alone is refused before anything is written.
 *   <li>No valid old metadata (garbage, zeros, bad checksums, unreadable space map): block 0 is
 *       zeroed and forced before any other block is written, and the whole device is used; an
 *       output whose run failed or was cut short never holds a superblock that looks valid.
 * </ul>
 *
 * <p>Events are validated on the caller's thread (so an input error is reported where it was read);
 * trees are built on a second thread ({@link BuildPipeline}). A restorer that is abandoned before
 * {@link #superblockEnd} must be {@linkplain #close closed} to stop that thread.
 */
public final class Restorer implements MetadataVisitor, AutoCloseable {
  /** Largest data block a mapping can hold: block_time keeps 40 bits for it. */
  public static final long MAX_DATA_BLOCKS = 1L << 40;

  /** Blocks (32 MiB) between background flushes, so the final one finds little to write. */
  static final long WRITE_BEHIND_BLOCKS = 8192;

  /** Largest mapping time: block_time keeps 24 bits for it. */
  public static final long MAX_TIME = BlockTime.TIME_MASK;

  /**
   * Command-line overrides (null = not given).
   *
   * @param transactionId the larger of this and the input's is written
   * @param dataBlockSize replaces the input's
   * @param nrDataBlocks the larger of this and the input's is used to size the data space map
   */
  public record Options(Long transactionId, Long dataBlockSize, Long nrDataBlocks) {
    /** No overrides. */
    public static final Options NONE = new Options(null, null, null);
  }

  private record Device(DeviceDetails details, long root) {}

  private final BlockDevice out;
  private final Options options;
  private boolean prepared;
  private boolean invalidated;

  /** The old metadata's blocks (a bit set) while they are kept intact, else null. */
  private volatile long[] oldBlocks;

  private SuperblockInfo info;
  private long transactionId;
  private long dataBlockSize;
  private MetadataSpace space;
  private DataCounts data;
  private long nrData;
  private BuildPipeline pipeline;
  private WriteBehindDevice writeBehind;

  // Validation state, on the caller's thread: the open <device> or <def> and what came before.
  private DeviceInfo device;
  private String defName;
  private boolean anyKey;
  private long prevBegin;
  private long lastKey;
  private long sectionFirstKey;
  private long sectionMappings;
  private final Set<Long> deviceIds = new HashSet<>();

  /** Per def: {first key, last key, number of mappings}, or null if it has no mappings. */
  private final Map<String, long[]> defRanges = new HashMap<>();

  // Build state, on the builder thread (read by the caller only after the pipeline finished).
  private final TreeMap<Long, Device> devices = new TreeMap<>(Long::compareUnsigned);
  private final Map<String, List<LeafRef>> defs = new HashMap<>();
  private final List<LeafRef> defLeaves = new ArrayList<>();
  private BTreeBuilder builder;
  private List<LeafRef> defOut;

  private Superblock written;

  /** A restorer writing to {@code out}, which must be open read-write. */
  public Restorer(BlockDevice out, Options options) {
    this.out = out;
    this.options = options;
  }

  /**
   * Restores the XML in {@code xml} to {@code out}: prepares the output first ({@link
   * #prepareOutput}), so that any failure leaves either the old metadata or nothing that looks like
   * metadata.
   *
   * @return the superblock written
   */
  public static Superblock restore(InputStream xml, BlockDevice out, Options options)
      throws IOException {
    try (Restorer r = new Restorer(out, options)) {
      r.prepareOutput();
      XmlMetadataReader.read(xml, r);
      return r.result();
    }
  }

  /** Stops the builder thread of an unfinished restore. */
  @Override
  public void close() throws IOException {
    try {
      if (pipeline != null) {
        BuildPipeline p = pipeline;
        pipeline = null;
        p.close();
      }
    } finally {
      if (writeBehind != null) {
        writeBehind.close();
      }
    }
  }

  /** The superblock written, once {@link #superblockEnd} has completed. */
  public Superblock result() throws InvalidInputException {
    if (written == null) {
      throw new InvalidInputException("incomplete source metadata");
    }
    return written;
  }

  /**
   * Decides, once and before anything is written, how the output is overwritten: if it holds valid
   * old metadata, its blocks are remembered and kept intact (block 0 is not written until the new
   * superblock); otherwise block 0 is zeroed and forced to disk. Called by {@link #superblockBegin}
   * if not earlier; a caller that may fail before the first event (e.g. while salvaging the input)
   * calls it first, so that the outcome does not depend on where it failed.
   */
  public void prepareOutput() throws IOException {
    if (prepared) {
      return;
    }
    prepared = true;
    oldBlocks = OldMetadata.usedBlocks(out);
    if (oldBlocks == null) {
      invalidate();
    }
  }

  /** True if the output's old metadata is being kept intact (so far). */
  public boolean keepsOldMetadata() {
    return oldBlocks != null;
  }

  /** Zeroes block 0 and forces it to disk, unless done already. */
  private void invalidate() throws IOException {
    if (!invalidated) {
      out.write(0, Blocks.allocate());
      out.flush();
      invalidated = true;
    }
  }

  /**
   * The new pool needs the old metadata's blocks: zeroes block 0 and forces it (with everything
   * written so far) before any of them is overwritten. Runs on the thread that allocates.
   */
  private void giveUpOldMetadata() throws IOException {
    writeBehind.write(0, Blocks.allocate());
    writeBehind.flush();
    invalidated = true;
    oldBlocks = null;
  }

  /** True if {@code sectors} is a valid data block size: a multiple of 128 in [128, 2097152]. */
  public static boolean validDataBlockSize(long sectors) {
    return sectors >= 128 && sectors <= 2097152 && sectors % 128 == 0;
  }

  @Override
  public void superblockBegin(SuperblockInfo sb) throws IOException {
    if (info != null) {
      throw new InvalidInputException("duplicated superblock");
    }
    long dbs = options.dataBlockSize() != null ? options.dataBlockSize() : sb.dataBlockSize();
    if (!validDataBlockSize(dbs)) {
      throw new InvalidInputException(
          "invalid data block size "
              + Long.toUnsignedString(dbs)
              + ": it must be a multiple of 128 sectors between 128 and 2097152");
    }
    nrData = unsignedMax(sb.nrDataBlocks(), options.nrDataBlocks());
    if (Long.compareUnsigned(nrData, MAX_DATA_BLOCKS) > 0) {
      throw new InvalidInputException(
          "nr_data_blocks "
              + Long.toUnsignedString(nrData)
              + " is more than a pool can address ("
              + MAX_DATA_BLOCKS
              + ")");
    }
    long nrMeta = Math.min(out.nrBlocks(), MetadataSpace.MAX_BLOCKS);
    if (SpaceMapWriter.minimumBlocks(nrData, nrMeta) > nrMeta) {
      throw new OutOfMetadataSpaceException();
    }
    prepareOutput();
    info = sb;
    dataBlockSize = dbs;
    transactionId = unsignedMax(sb.transaction(), options.transactionId());
    writeBehind = new WriteBehindDevice(out, WRITE_BEHIND_BLOCKS);
    space = new MetadataSpace(writeBehind);
    space.reserve(0);
    if (oldBlocks != null) {
      space.avoid(oldBlocks, this::giveUpOldMetadata);
    }
    data = new DataCounts(nrData);
    pipeline = new BuildPipeline(this::build);
  }

  private static long unsignedMax(long a, Long b) {
    return b == null || Long.compareUnsigned(a, b) >= 0 ? a : b;
  }

  @Override
  public void deviceBegin(DeviceInfo dev) throws IOException {
    requireNoSection("device " + dev.devId());
    if (!deviceIds.add(dev.devId())) {
      throw new InvalidInputException("duplicated device id " + dev.devId());
    }
    device = dev;
    anyKey = false;
    sectionMappings = 0;
    pipeline.run(
        () -> builder = new BTreeBuilder(space, (k, v) -> data.inc(BlockTime.dataBlock(v))));
  }

  @Override
  public void deviceEnd() throws IOException {
    if (device == null) {
      throw new InvalidInputException("unexpected end of device");
    }
    DeviceInfo d = device;
    long mapped = sectionMappings;
    device = null;
    pipeline.run(
        () -> {
          long root = builder.finish();
          builder = null;
          devices.put(
              d.devId(),
              new Device(
                  new DeviceDetails(mapped, d.transaction(), d.creationTime(), d.snapTime()),
                  root));
        });
  }

  @Override
  public void defBegin(String name) throws IOException {
    requireNoSection("def '" + name + "'");
    if (defRanges.containsKey(name)) {
      throw new InvalidInputException("duplicated def '" + name + "'");
    }
    defName = name;
    anyKey = false;
    sectionMappings = 0;
    pipeline.run(
        () -> {
          defOut = new ArrayList<>();
          builder = BTreeBuilder.leavesOnly(space, 8, defOut);
        });
  }

  @Override
  public void defEnd() throws IOException {
    if (defName == null) {
      throw new InvalidInputException("unexpected end of def");
    }
    String name = defName;
    defRanges.put(name, anyKey ? new long[] {sectionFirstKey, lastKey, sectionMappings} : null);
    defName = null;
    pipeline.run(
        () -> {
          builder.finish();
          builder = null;
          defs.put(name, defOut);
          defLeaves.addAll(defOut);
          defOut = null;
        });
  }

  @Override
  public void ref(String name) throws IOException {
    if (device == null) {
      throw new InvalidInputException("<ref> tags may only occur within <device> sections.");
    }
    if (!defRanges.containsKey(name)) {
      throw new InvalidInputException("Couldn't find sub tree '" + name + "'");
    }
    long[] range = defRanges.get(name);
    if (range == null) {
      return;
    }
    order(range[0], range[1]);
    sectionMappings += range[2];
    pipeline.run(
        () -> {
          for (LeafRef leaf : defs.get(name)) {
            builder.splice(leaf);
          }
        });
  }

  @Override
  public void map(long thinBegin, long dataBegin, long length, long time) throws IOException {
    if (device == null && defName == null) {
      throw new InvalidInputException("Mapping tags must appear within a <def> or <device> tag.");
    }
    if (length <= 0) {
      throw new InvalidInputException("mapping of length " + Long.toUnsignedString(length));
    }
    if (Long.compareUnsigned(time, MAX_TIME) > 0) {
      throw new InvalidInputException(
          "mapping time " + time + " of " + section() + " does not fit in 24 bits");
    }
    long thinLast = thinBegin + length - 1;
    long dataLast = dataBegin + length - 1;
    if (Long.compareUnsigned(thinLast, thinBegin) < 0
        || Long.compareUnsigned(dataLast, dataBegin) < 0) {
      throw new InvalidInputException("mapping runs past the largest block number");
    }
    if (Long.compareUnsigned(dataLast, nrData) >= 0) {
      long firstOut = Long.compareUnsigned(dataBegin, nrData) >= 0 ? dataBegin : nrData;
      throw new InvalidInputException(
          "block out of bounds: "
              + section()
              + " maps thin block "
              + Long.toUnsignedString(thinBegin + (firstOut - dataBegin))
              + " to data block "
              + Long.toUnsignedString(firstOut)
              + ", but the pool has "
              + nrData
              + " data blocks");
    }
    order(thinBegin, thinLast);
    sectionMappings += length;
    pipeline.map(thinBegin, dataBegin, length, time);
  }

  /** Builder thread: adds a validated run to the open section. */
  private void build(long thinBegin, long dataBegin, long length, long time) throws IOException {
    builder.addRun(thinBegin, BlockTime.pack(dataBegin, time), length, 1L << 24);
    data.incRange(dataBegin, length);
  }

  /** Checks that thin blocks [first, last] come after everything in the section so far. */
  private void order(long first, long last) throws InvalidInputException {
    if (anyKey && Long.compareUnsigned(first, lastKey) <= 0) {
      if (Long.compareUnsigned(first, prevBegin) >= 0) {
        throw new InvalidInputException(
            "overlapping mappings: thin block "
                + Long.toUnsignedString(first)
                + " of "
                + section()
                + " is already mapped");
      }
      throw new InvalidInputException(
          "keys out of order: thin block "
              + Long.toUnsignedString(first)
              + " of "
              + section()
              + " comes after thin block "
              + Long.toUnsignedString(lastKey));
    }
    if (!anyKey) {
      sectionFirstKey = first;
    }
    anyKey = true;
    prevBegin = first;
    lastKey = last;
  }

  private String section() {
    return device != null ? "device " + device.devId() : "def '" + defName + "'";
  }

  private void requireNoSection(String what) throws InvalidInputException {
    if (info == null || written != null) {
      throw new InvalidInputException("missing superblock");
    }
    if (device != null || defName != null) {
      throw new InvalidInputException(
          "Nested subtrees are not allowed: " + what + " within " + section());
    }
  }

  @Override
  public void superblockEnd() throws IOException {
    if (info == null || written != null) {
      throw new InvalidInputException("missing superblock");
    }
    if (device != null || defName != null) {
      throw new InvalidInputException("unterminated " + section());
    }
    BuildPipeline p = pipeline;
    pipeline = null;
    p.finish();
    BTreeBuilder details = new BTreeBuilder(space, DeviceDetails.SIZE);
    BTreeBuilder top = new BTreeBuilder(space, 8);
    byte[] value = new byte[DeviceDetails.SIZE];
    ByteBuffer vb = ByteBuffer.wrap(value);
    for (Map.Entry<Long, Device> e : devices.entrySet()) {
      e.getValue().details().encode(vb, 0);
      details.add(e.getKey(), value, 0);
      top.add(e.getKey(), e.getValue().root());
    }
    long detailsRoot = details.finish();
    long mappingRoot = top.finish();
    dropDefReferences();

    SmRoot dataRoot = SpaceMapWriter.writeData(space, data);
    SmRoot metaRoot = SpaceMapWriter.writeMetadata(space);
    Superblock sb =
        new Superblock(
            0,
            0,
            Superblock.MAGIC,
            2,
            info.time(),
            transactionId,
            0,
            dataRoot,
            metaRoot,
            mappingRoot,
            detailsRoot,
            dataBlockSize,
            Blocks.METADATA_BLOCK_SECTORS,
            space.nrBlocks(),
            0,
            0,
            0);
    writeBehind.flush();
    out.write(0, sb.encode());
    out.flush();
    written = sb;
  }

  /**
   * Drops the reference each def leaf held while devices were built; a leaf no device kept is free
   * again, and so are the data blocks only it mapped.
   */
  private void dropDefReferences() throws IOException {
    for (LeafRef leaf : defLeaves) {
      space.dec(leaf.block());
      if (space.count(leaf.block()) == 0) {
        Node n = Node.decode(leaf.block(), space.read(leaf.block()));
        for (int i = 0; i < n.nrEntries(); i++) {
          data.dec(BlockTime.dataBlock(n.valueU64(i)));
        }
      }
    }
    defLeaves.clear();
  }
}
