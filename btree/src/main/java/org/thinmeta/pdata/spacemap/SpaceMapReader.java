package org.thinmeta.pdata.spacemap;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.thinmeta.pdata.btree.AtomicBitSet;
import org.thinmeta.pdata.btree.BTreeWalker;
import org.thinmeta.pdata.btree.KeyRange;
import org.thinmeta.pdata.btree.Node;
import org.thinmeta.pdata.btree.NodeChecks;
import org.thinmeta.pdata.btree.RefSink;
import org.thinmeta.pdata.checksum.BlockKind;
import org.thinmeta.pdata.checksum.Checksums;
import org.thinmeta.pdata.damage.CorruptMetadataException;
import org.thinmeta.pdata.damage.Damage;
import org.thinmeta.pdata.damage.DamageSink;
import org.thinmeta.pdata.io.BlockDevice;

/**
 * Reads an on-disk space map (metadata or data): its index, bitmaps and overflow ref-count tree.
 */
public final class SpaceMapReader {
  /** Index entries in the metadata space map's index block. */
  public static final int METADATA_INDEX_ENTRIES = 255;

  /** Which space map. */
  public enum Kind {
    /** Index is a single index block. */
    METADATA,
    /** Index is a btree of 16-byte entries keyed by bitmap number. */
    DATA
  }

  private final BlockDevice device;
  private final long metadataBlocks;
  private final SmRoot root;
  private final Kind kind;

  /** A reader of the space map at {@code root}; pointers must be below {@code metadataBlocks}. */
  public SpaceMapReader(BlockDevice device, long metadataBlocks, SmRoot root, Kind kind) {
    this.device = device;
    this.metadataBlocks = metadataBlocks;
    this.root = root;
    this.kind = kind;
  }

  /** The root this reader was made from. */
  public SmRoot root() {
    return root;
  }

  /** Number of bitmaps needed for the root's nr_blocks. */
  public long nrBitmaps() {
    return (root.nrBlocks() + Bitmap.ENTRIES_PER_BLOCK - 1) / Bitmap.ENTRIES_PER_BLOCK;
  }

  /**
   * Reads the index entries, counting the index blocks themselves in {@code refs} (may be null).
   *
   * @throws CorruptMetadataException if the index cannot be read
   */
  public List<IndexEntry> readIndex(RefSink refs, DamageSink sink) throws IOException {
    long n = nrBitmaps();
    List<IndexEntry> entries = new ArrayList<>();
    if (kind == Kind.METADATA) {
      long loc = root.bitmapRoot();
      if (n > METADATA_INDEX_ENTRIES) {
        throw new CorruptMetadataException(
            "metadata space map has " + root.nrBlocks() + " blocks, more than one index holds");
      }
      if (loc < 0 || loc >= metadataBlocks) {
        throw new CorruptMetadataException(
            "index block " + Long.toUnsignedString(loc) + " out of space map boundary");
      }
      ByteBuffer b = device.read(loc);
      if (!Checksums.verify(b, BlockKind.INDEX)) {
        BlockKind k = Checksums.classify(b);
        throw new CorruptMetadataException(
            k == BlockKind.UNKNOWN
                ? "bad checksum in index block (block " + loc + ")"
                : "not an index block (block " + loc + ", found " + k + ")");
      }
      long nr = b.getLong(8);
      if (nr != loc) {
        throw new CorruptMetadataException(
            "blocknr mismatch in index block (block " + loc + ", claims " + nr + ")");
      }
      if (refs != null) {
        refs.inc(loc);
      }
      for (int i = 0; i < n; i++) {
        entries.add(IndexEntry.decode(b, 16 + i * IndexEntry.SIZE));
      }
      return entries;
    }
    IndexEntry[] found = new IndexEntry[(int) Math.min(n, Integer.MAX_VALUE)];
    BTreeWalker w =
        new BTreeWalker(
            device,
            metadataBlocks,
            sink,
            NodeChecks.Policy.FATAL_ONLY,
            refs,
            new AtomicBitSet(metadataBlocks));
    boolean ok =
        w.walk(
            root.bitmapRoot(),
            IndexEntry.SIZE,
            new BTreeWalker.Visitor() {
              @Override
              public void leaf(Node leaf, KeyRange range) throws IOException {
                for (int i = 0; i < leaf.nrEntries(); i++) {
                  long k = leaf.key(i);
                  if (k >= found.length) {
                    throw new CorruptMetadataException(
                        "unexpected bitmap index " + Long.toUnsignedString(k) + " in data index");
                  }
                  found[(int) k] = IndexEntry.decode(leaf.block(), leaf.valueOffset(i));
                }
              }
            });
    if (!ok) {
      throw new CorruptMetadataException("data space map index tree is damaged");
    }
    for (int i = 0; i < found.length; i++) {
      if (found[i] == null) {
        throw new CorruptMetadataException("missing index entry " + i + " in data space map");
      }
      entries.add(found[i]);
    }
    return entries;
  }

  /**
   * Reads and checks bitmap number {@code index} described by {@code entry}.
   *
   * @throws CorruptMetadataException with the reference's wording if it is unusable
   */
  public ByteBuffer readBitmap(int index, IndexEntry entry) throws IOException {
    long loc = entry.blockNr();
    if (loc < 0 || loc >= metadataBlocks) {
      throw new CorruptMetadataException(
          new Damage.BadSpaceMapBlock(
              loc,
              "bitmap block "
                  + Long.toUnsignedString(loc)
                  + " of index entry "
                  + index
                  + " out of space map boundary"));
    }
    ByteBuffer b = device.read(loc);
    if (!Checksums.verify(b, BlockKind.BITMAP)) {
      BlockKind k = Checksums.classify(b);
      String msg =
          k == BlockKind.UNKNOWN
              ? "checksum error at block " + loc + ", index entry " + index
              : "block " + loc + " of index entry " + index + " is not a bitmap";
      throw new CorruptMetadataException(new Damage.BadSpaceMapBlock(loc, msg));
    }
    return b;
  }

  /**
   * Reads the overflow ref-count tree into sorted parallel arrays, counting its nodes in {@code
   * refs}.
   */
  public OverflowCounts readOverflow(RefSink refs, DamageSink sink) throws IOException {
    OverflowCounts.Builder out = new OverflowCounts.Builder();
    BTreeWalker w =
        new BTreeWalker(
            device,
            metadataBlocks,
            sink,
            NodeChecks.Policy.FATAL_ONLY,
            refs,
            new AtomicBitSet(metadataBlocks));
    boolean ok =
        w.walk(
            root.refCountRoot(),
            4,
            new BTreeWalker.Visitor() {
              @Override
              public void leaf(Node leaf, KeyRange range) {
                for (int i = 0; i < leaf.nrEntries(); i++) {
                  out.add(leaf.key(i), leaf.valueU32(i));
                }
              }
            });
    if (!ok) {
      throw new CorruptMetadataException(
          (kind == Kind.METADATA ? "metadata" : "data") + " ref-count tree is damaged");
    }
    return out.build();
  }
}
