package org.thinmeta.pdata.build;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.thinmeta.pdata.btree.Node;
import org.thinmeta.pdata.btree.NodeChecks;
import org.thinmeta.pdata.btree.NodeHeader;
import org.thinmeta.pdata.checksum.BlockKind;
import org.thinmeta.pdata.checksum.Checksums;
import org.thinmeta.pdata.io.BlockDevice;

/** Test helper: reads back a built tree and checks the shape rules of format doc §9.3. */
final class Trees {
  /** What a walk found. */
  record Walk(List<long[]> entries, List<Integer> leafSizes, int depth) {}

  private Trees() {}

  /**
   * Walks the tree at {@code root} with strict node checks, asserting: checksums and blocknr, every
   * non-root node at least half full, all leaves at one depth, zero bytes in unused slots. Every
   * reference met is added to {@code refs} (block to count).
   */
  static Walk walk(BlockDevice dev, long root, int valueSize, Map<Long, Long> refs)
      throws IOException {
    List<long[]> entries = new ArrayList<>();
    List<Integer> leafSizes = new ArrayList<>();
    int[] depth = {-1};
    walk(dev, root, valueSize, true, 0, entries, leafSizes, depth, refs);
    return new Walk(entries, leafSizes, depth[0]);
  }

  private static void walk(
      BlockDevice dev,
      long loc,
      int vs,
      boolean isRoot,
      int d,
      List<long[]> entries,
      List<Integer> leafSizes,
      int[] depth,
      Map<Long, Long> refs)
      throws IOException {
    if (refs != null) {
      refs.merge(loc, 1L, Long::sum);
    }
    ByteBuffer b = dev.read(loc);
    assertTrue(Checksums.verify(b, BlockKind.NODE), "checksum of " + loc);
    Node n = Node.decode(loc, b);
    assertNull(NodeChecks.check(n, vs, isRoot, NodeChecks.Policy.STRICT), "checks of " + loc);
    assertEquals(loc, n.header().blockNr());
    int max = n.header().maxEntries();
    assertEquals(NodeHeader.maxEntriesFor(n.header().valueSize()), max);
    if (!isRoot) {
      assertTrue(n.nrEntries() >= max / 2, "node " + loc + " has " + n.nrEntries());
    }
    for (int i = n.nrEntries(); i < max; i++) {
      assertEquals(0, n.key(i), "unused key slot");
    }
    int valuesEnd = NodeHeader.SIZE + 8 * max + n.header().valueSize() * max;
    int usedEnd = n.valueOffset(n.nrEntries());
    for (int i = usedEnd; i < 4096; i++) {
      if (b.get(i) != 0) {
        throw new AssertionError("non-zero byte " + i + " in node " + loc + " (" + valuesEnd + ")");
      }
    }
    if (n.isLeaf()) {
      if (depth[0] < 0) {
        depth[0] = d;
      }
      assertEquals(depth[0], d, "leaf depth");
      leafSizes.add(n.nrEntries());
      for (int i = 0; i < n.nrEntries(); i++) {
        long v = vs == 4 ? n.valueU32(i) : n.valueU64(i);
        if (vs > 8) {
          v = b.getLong(n.valueOffset(i));
        }
        entries.add(new long[] {n.key(i), v});
      }
      return;
    }
    assertTrue(n.nrEntries() > 0);
    for (int i = 0; i < n.nrEntries(); i++) {
      long child = n.valueU64(i);
      int before = entries.size();
      walk(dev, child, vs, false, d + 1, entries, leafSizes, depth, refs);
      assertEquals(n.key(i), entries.get(before)[0], "internal key = child's first key");
    }
  }
}
