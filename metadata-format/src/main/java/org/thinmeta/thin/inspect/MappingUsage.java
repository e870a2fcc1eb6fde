package org.thinmeta.thin.inspect;

import java.io.IOException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.thinmeta.pdata.btree.Node;
import org.thinmeta.pdata.io.BlockDevice;
import org.thinmeta.thin.format.BlockTime;

/**
 * Mapped, shared and exclusive block counts of thin devices (thin_ls, format doc §10.1). A mapping
 * is shared if it lies in a leaf or under an internal node referenced more than once, or if its
 * data block is also mapped by another distinct leaf. Every distinct leaf is read once, and
 * unshared leaves a second time once all data references are known.
 */
public final class MappingUsage {
  /**
   * Counts of one device.
   *
   * @param mapped mappings found in its tree
   * @param shared how many of them are shared
   * @param highest the highest mapped virtual block, 0 when there is none
   */
  public record Usage(long mapped, long shared, long highest) {
    /** Mappings not shared with any other device. */
    public long exclusive() {
      return mapped - shared;
    }
  }

  private MappingUsage() {}

  /**
   * Counts the devices whose bottom-level roots are given (in the order given).
   *
   * @param limit number of metadata blocks pointers may reach
   * @param roots device id to bottom-level root
   * @throws org.thinmeta.pdata.damage.CorruptMetadataException if any tree is damaged
   */
  public static Map<Long, Usage> count(
      BlockDevice dev, long limit, Map<Long, Long> roots, int threads) throws IOException {
    MappingForest forest = MappingForest.load(dev, limit, roots.values());
    PagedBitSet once = new PagedBitSet();
    PagedBitSet twice = new PagedBitSet();
    Map<Long, Integer> sharedInLeaf = new HashMap<>();
    forest.readLeaves(
        b -> true,
        threads,
        leaf -> {
          int n = leaf.nrEntries();
          for (int i = 0; i < n; i++) {
            long d = BlockTime.dataBlock(leaf.valueU64(i));
            if (!once.set(d)) {
              twice.set(d);
            }
          }
          if (forest.isShared(leaf.location())) {
            sharedInLeaf.put(leaf.location(), n);
          }
        });
    forest.readLeaves(
        b -> !forest.isShared(b),
        threads,
        leaf -> sharedInLeaf.put(leaf.location(), countShared(leaf, twice)));
    Map<Long, Usage> out = new LinkedHashMap<>();
    for (Map.Entry<Long, Long> e : roots.entrySet()) {
      long[] acc = new long[3];
      forest.walk(
          e.getValue(),
          (loc, sharedPath, range) -> {
            MappingForest.LeafKeys k = forest.leafKeys(loc);
            if (k == null || k.nrEntries() == 0) {
              return;
            }
            acc[0] += k.nrEntries();
            acc[1] += sharedPath ? k.nrEntries() : sharedInLeaf.get(loc);
            acc[2] = k.last();
          });
      out.put(e.getKey(), new Usage(acc[0], acc[1], acc[2]));
    }
    return out;
  }

  private static int countShared(Node leaf, PagedBitSet twice) {
    int shared = 0;
    int n = leaf.nrEntries();
    for (int i = 0; i < n; i++) {
      if (twice.get(BlockTime.dataBlock(leaf.valueU64(i)))) {
        shared++;
      }
    }
    return shared;
  }
}
