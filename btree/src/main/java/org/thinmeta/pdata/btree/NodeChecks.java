package org.thinmeta.pdata.btree;

import java.nio.ByteBuffer;
import org.thinmeta.pdata.checksum.BlockKind;
import org.thinmeta.pdata.checksum.Checksums;
import org.thinmeta.pdata.damage.Damage;
import org.thinmeta.pdata.io.Blocks;

/** The per-node rules of format doc §3.7, applied in the reference's order. */
public final class NodeChecks {
  private NodeChecks() {}

  /** How strict a check is. */
  public record Policy(boolean checkNonFatal) {
    /** Every rule. */
    public static final Policy STRICT = new Policy(true);

    /** Only fatal rules (the underfull and %3 rules are skipped). */
    public static final Policy FATAL_ONLY = new Policy(false);
  }

  /**
   * Checks the checksum of a raw block as a node: returns null if it is a node, else the damage.
   */
  public static Damage checksum(long location, ByteBuffer block) {
    if (Checksums.verify(block, BlockKind.NODE)) {
      return null;
    }
    BlockKind kind = Checksums.classify(block);
    if (kind == BlockKind.UNKNOWN) {
      return new Damage.BadNode(location, NodeFault.CHECKSUM, null, null);
    }
    return new Damage.BadNode(location, NodeFault.NOT_A_NODE, "found " + kind, null);
  }

  /**
   * Checks a decoded node against the header and key rules. Returns the first fatal fault, or else
   * the first non-fatal one (if {@code policy} checks them), or null if the node is sound.
   *
   * @param leafValueSize value size the tree's leaves must have
   * @param isRoot roots may be underfull
   */
  public static Damage check(Node node, int leafValueSize, boolean isRoot, Policy policy) {
    NodeHeader h = node.header();
    long loc = node.location();
    if (h.blockNr() != loc) {
      return bad(loc, NodeFault.BLOCKNR_MISMATCH, "claims " + Long.toUnsignedString(h.blockNr()));
    }
    if (!h.isLeaf() && !h.isInternal()) {
      return bad(loc, NodeFault.BAD_FLAGS, "flags " + Integer.toUnsignedString(h.flags()));
    }
    int expected = h.isLeaf() ? leafValueSize : 8;
    if (h.valueSize() != expected) {
      return bad(
          loc,
          NodeFault.VALUE_SIZE_MISMATCH,
          "expected " + expected + ", got " + Integer.toUnsignedString(h.valueSize()));
    }
    long max = Integer.toUnsignedLong(h.maxEntries());
    if (NodeHeader.SIZE + max * (8 + expected) > Blocks.BLOCK_SIZE) {
      return bad(loc, NodeFault.MAX_ENTRIES_TOO_LARGE, "max_entries " + max);
    }
    long nr = Integer.toUnsignedLong(h.nrEntries());
    if (nr > max) {
      return bad(loc, NodeFault.NR_ENTRIES_TOO_LARGE, nr + " > " + max);
    }
    if (h.isInternal() && nr == 0) {
      return bad(loc, NodeFault.EMPTY_INTERNAL, null);
    }
    long[] keys = node.keys();
    long prev = nr > 0 ? keys[0] : 0;
    for (int i = 1; i < nr; i++) {
      long k = keys[i];
      if (Long.compareUnsigned(k, prev) <= 0) {
        return bad(
            loc,
            NodeFault.KEYS_OUT_OF_ORDER,
            Long.toUnsignedString(k) + " <= " + Long.toUnsignedString(prev));
      }
      prev = k;
    }
    if (policy.checkNonFatal()) {
      if (max % 3 != 0) {
        return bad(loc, NodeFault.MAX_ENTRIES_NOT_DIVISIBLE_BY_3, "max_entries " + max);
      }
      if (!isRoot && nr < max / 3) {
        return bad(loc, NodeFault.UNDERFULL, nr + " < " + (max / 3));
      }
    }
    return null;
  }

  private static Damage bad(long loc, NodeFault f, String detail) {
    return new Damage.BadNode(loc, f, detail, null);
  }
}
