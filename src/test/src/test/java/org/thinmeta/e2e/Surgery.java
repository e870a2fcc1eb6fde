package org.thinmeta.e2e;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import org.thinmeta.pdata.btree.Node;
import org.thinmeta.pdata.btree.NodeHeader;
import org.thinmeta.pdata.checksum.BlockKind;
import org.thinmeta.pdata.checksum.Checksums;
import org.thinmeta.pdata.io.Blocks;
import org.thinmeta.pdata.io.FileBlockDevice;
import org.thinmeta.thin.format.Superblock;
import org.thinmeta.thin.read.MetadataReader;

/** Deliberate damage to a writable copy of a metadata image, for salvage tests. */
final class Surgery implements AutoCloseable {
  /** A node of a device's mapping tree: where it is, who points at it, and its keys. */
  record NodeRef(long loc, long parent, int index, boolean leaf, long firstKey, long lastKey) {}

  private final FileBlockDevice dev;

  private Surgery(FileBlockDevice dev) {
    this.dev = dev;
  }

  static Surgery open(Path image) throws IOException {
    return new Surgery(FileBlockDevice.open(image, FileBlockDevice.Mode.READ_WRITE, false));
  }

  Superblock superblock() throws IOException {
    return Superblock.decode(dev.read(0));
  }

  SortedMap<Long, Long> deviceRoots() throws IOException {
    Superblock sb = superblock();
    return MetadataReader.readTopLevel(dev, dev.nrBlocks(), sb.mappingRoot());
  }

  Node node(long loc) throws IOException {
    return Node.decode(loc, dev.read(loc));
  }

  /** Every node of the mapping tree at {@code root}, depth first. */
  List<NodeRef> nodes(long root) throws IOException {
    List<NodeRef> out = new ArrayList<>();
    collect(root, -1, -1, out);
    return out;
  }

  private void collect(long loc, long parent, int index, List<NodeRef> out) throws IOException {
    Node n = node(loc);
    int nr = n.nrEntries();
    out.add(new NodeRef(loc, parent, index, n.isLeaf(), n.key(0), n.key(nr - 1)));
    if (!n.isLeaf()) {
      for (int i = 0; i < nr; i++) {
        collect(n.valueU64(i), loc, i, out);
      }
    }
  }

  /** Leaves of the tree at {@code root}, in key order. */
  List<NodeRef> leaves(long root) throws IOException {
    return nodes(root).stream().filter(NodeRef::leaf).toList();
  }

  void zero(long loc) throws IOException {
    dev.write(loc, Blocks.allocate());
  }

  /** Overwrites bytes {@code 4..4095} with a repeating pattern: a checksum error. */
  void scribble(long loc) throws IOException {
    ByteBuffer b = dev.read(loc);
    for (int i = 64; i < Blocks.BLOCK_SIZE; i++) {
      b.put(i, (byte) (i * 31));
    }
    dev.write(loc, b);
  }

  /** Sets child {@code index} of internal node {@code loc} to {@code child} (valid checksum). */
  void setChild(long loc, int index, long child) throws IOException {
    Node n = node(loc);
    ByteBuffer b = n.block();
    b.putLong(n.valueOffset(index), child);
    Checksums.stamp(b, BlockKind.NODE);
    dev.write(loc, b);
  }

  /** Removes the entry with {@code key} from leaf {@code loc} (valid checksum). */
  void removeEntry(long loc, long key) throws IOException {
    Node n = node(loc);
    ByteBuffer b = n.block();
    NodeHeader h = n.header();
    int nr = h.nrEntries();
    int vs = h.valueSize();
    int at = -1;
    for (int i = 0; i < nr; i++) {
      if (n.key(i) == key) {
        at = i;
      }
    }
    if (at < 0) {
      throw new IllegalArgumentException("key " + key + " not in block " + loc);
    }
    byte[] tmp = new byte[vs];
    for (int i = at; i + 1 < nr; i++) {
      b.putLong(NodeHeader.SIZE + 8 * i, n.key(i + 1));
      b.get(n.valueOffset(i + 1), tmp);
      b.put(n.valueOffset(i), tmp);
    }
    new NodeHeader(h.flags(), h.blockNr(), nr - 1, h.maxEntries(), vs).encode(b);
    Checksums.stamp(b, BlockKind.NODE);
    dev.write(loc, b);
  }

  /**
   * Swaps entries {@code i} and {@code j} of leaf {@code loc}: keys out of order (valid checksum).
   */
  void swapEntries(long loc, int i, int j) throws IOException {
    Node n = node(loc);
    ByteBuffer b = n.block();
    int vs = n.header().valueSize();
    long ki = n.key(i);
    long kj = n.key(j);
    byte[] vi = new byte[vs];
    byte[] vj = new byte[vs];
    b.get(n.valueOffset(i), vi);
    b.get(n.valueOffset(j), vj);
    b.putLong(NodeHeader.SIZE + 8 * i, kj);
    b.putLong(NodeHeader.SIZE + 8 * j, ki);
    b.put(n.valueOffset(i), vj);
    b.put(n.valueOffset(j), vi);
    Checksums.stamp(b, BlockKind.NODE);
    dev.write(loc, b);
  }

  /** Rewrites value {@code i} of an 8-byte leaf (valid checksum). */
  void setValue(long loc, int i, long value) throws IOException {
    Node n = node(loc);
    ByteBuffer b = n.block();
    b.putLong(n.valueOffset(i), value);
    Checksums.stamp(b, BlockKind.NODE);
    dev.write(loc, b);
  }

  /** A zero-filled block, searching down from the end of the device. */
  long freeBlock() throws IOException {
    for (long b = dev.nrBlocks() - 1; b > 0; b--) {
      ByteBuffer x = dev.read(b);
      boolean zero = true;
      for (int i = 0; i < Blocks.BLOCK_SIZE && zero; i += 8) {
        zero = x.getLong(i) == 0;
      }
      if (zero) {
        return b;
      }
    }
    throw new IllegalStateException("no free block");
  }

  /**
   * Copies node {@code from} to a free block as a stale orphan (own block number, valid checksum).
   */
  long copyNode(long from) throws IOException {
    long to = freeBlock();
    ByteBuffer b = dev.read(from);
    b.putLong(8, to);
    Checksums.stamp(b, BlockKind.NODE);
    dev.write(to, b);
    return to;
  }

  /** Rewrites the superblock's flags word (valid checksum). */
  void setSuperblockFlags(int flags) throws IOException {
    dev.write(0, Superblock.withFlags(dev.read(0), flags));
  }

  @Override
  public void close() throws IOException {
    dev.close();
  }
}
