package org.thinmeta.thin.read;

import java.io.IOException;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeSet;
import org.thinmeta.pdata.btree.BTreeWalker;
import org.thinmeta.pdata.btree.KeyRange;
import org.thinmeta.pdata.btree.Node;
import org.thinmeta.pdata.btree.NodeChecks;
import org.thinmeta.pdata.damage.CorruptMetadataException;
import org.thinmeta.pdata.io.BlockDevice;
import org.thinmeta.thin.format.BlockTime;
import org.thinmeta.thin.format.DeviceDetails;
import org.thinmeta.thin.format.Superblock;
import org.thinmeta.thin.ir.DeviceInfo;
import org.thinmeta.thin.ir.MetadataVisitor;
import org.thinmeta.thin.ir.RunMerger;
import org.thinmeta.thin.ir.SuperblockInfo;

/**
 * Walks valid metadata and emits it as {@link MetadataVisitor} events, devices in ascending id,
 * mappings in ascending thin block, merged into runs. Streams: memory does not grow with the number
 * of mappings. Damage stops the walk with a {@link CorruptMetadataException} before {@code
 * superblockEnd}, so no output ever looks complete when it is not.
 */
public final class Dumper {
  /** What to dump. */
  public record Options(Set<Long> devIds, boolean skipMappings) {
    /** Everything. */
    public static final Options ALL = new Options(null, false);
  }

  private final BlockDevice dev;

  /** A dumper reading {@code dev}. */
  public Dumper(BlockDevice dev) {
    this.dev = dev;
  }

  /**
   * Dumps the pool described by {@code sb} (the live superblock or the snapshot copy) as {@code
   * info} says.
   */
  public void dump(Superblock sb, SuperblockInfo info, Options options, MetadataVisitor out)
      throws IOException {
    long limit = MetadataReader.metadataLimit(dev, sb);
    SortedMap<Long, DeviceDetails> details;
    try {
      details = MetadataReader.readDetails(dev, limit, sb.detailsRoot());
    } catch (CorruptMetadataException e) {
      throw inContext("device details tree", e);
    }
    SortedMap<Long, Long> roots;
    try {
      roots = MetadataReader.readTopLevel(dev, limit, sb.mappingRoot());
    } catch (CorruptMetadataException e) {
      throw inContext("top-level mapping tree", e);
    }
    Set<Long> ids = new TreeSet<>(Long::compareUnsigned);
    ids.addAll(details.keySet());
    ids.addAll(roots.keySet());
    for (Long id : ids) {
      if (!details.containsKey(id)) {
        throw new CorruptMetadataException(
            "device " + Long.toUnsignedString(id) + " has mappings but no device details");
      }
      if (!roots.containsKey(id)) {
        throw new CorruptMetadataException(
            "device " + Long.toUnsignedString(id) + " has device details but no mapping tree");
      }
    }
    out.superblockBegin(info);
    BTreeWalker walker =
        new BTreeWalker(dev, limit, MetadataReader.THROW, NodeChecks.Policy.FATAL_ONLY, null, null);
    for (Map.Entry<Long, DeviceDetails> e : details.entrySet()) {
      long id = e.getKey();
      if (options.devIds() != null && !options.devIds().contains(id)) {
        continue;
      }
      DeviceDetails d = e.getValue();
      out.deviceBegin(
          new DeviceInfo(
              id, d.mappedBlocks(), d.transactionId(), d.creationTime(), d.snapshottedTime()));
      if (!options.skipMappings()) {
        RunMerger merger = new RunMerger(out);
        try {
          walker.walk(
              roots.get(id),
              8,
              new BTreeWalker.Visitor() {
                @Override
                public void leaf(Node leaf, KeyRange range) throws IOException {
                  int n = leaf.nrEntries();
                  for (int i = 0; i < n; i++) {
                    long v = leaf.valueU64(i);
                    merger.add(leaf.key(i), BlockTime.dataBlock(v), BlockTime.time(v));
                  }
                }
              });
        } catch (CorruptMetadataException damage) {
          throw inContext("mapping tree of device " + Long.toUnsignedString(id), damage);
        }
        merger.flush();
      }
      out.deviceEnd();
    }
    out.superblockEnd();
  }

  private static CorruptMetadataException inContext(String context, CorruptMetadataException e) {
    return e.damage() == null
        ? new CorruptMetadataException(context + ": " + e.getMessage())
        : new CorruptMetadataException(context, e.damage());
  }

  /** The superblock as a dump shows it, with {@code nrDataBlocks} from the data space map. */
  public static SuperblockInfo info(Superblock sb) {
    return new SuperblockInfo(
        "",
        sb.time(),
        sb.transactionId(),
        Integer.toUnsignedLong(sb.flags()),
        Integer.toUnsignedLong(sb.version()),
        sb.dataBlockSize(),
        sb.dataSmRoot().nrBlocks(),
        null);
  }
}
