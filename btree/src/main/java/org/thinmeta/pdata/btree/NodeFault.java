package org.thinmeta.pdata.btree;

import org.thinmeta.pdata.damage.Severity;

/** The ways a btree node can be damaged (format doc §3.7), with their severity. */
public enum NodeFault {
  /** The block could not be read. */
  IO_ERROR("io error", Severity.FATAL),
  /** The checksum matches no known block kind. */
  CHECKSUM("checksum error", Severity.FATAL),
  /** The checksum is that of another kind of block. */
  NOT_A_NODE("not a btree node", Severity.FATAL),
  /** The header's block number is not the block's location. */
  BLOCKNR_MISMATCH("blocknr mismatch", Severity.FATAL),
  /** The flags are neither internal nor leaf. */
  BAD_FLAGS("unknown node type", Severity.FATAL),
  /** The leaf value size is not the one of the tree. */
  VALUE_SIZE_MISMATCH("value_size mismatch", Severity.FATAL),
  /** Keys and values of max_entries do not fit in a block. */
  MAX_ENTRIES_TOO_LARGE("max_entries is too large", Severity.FATAL),
  /** More entries than slots. */
  NR_ENTRIES_TOO_LARGE("nr_entries > max_entries", Severity.FATAL),
  /** max_entries is not a multiple of 3. */
  MAX_ENTRIES_NOT_DIVISIBLE_BY_3("max_entries is not divisible by 3", Severity.NON_FATAL),
  /** A non-root node holds fewer than a third of max_entries. */
  UNDERFULL("nr_entries < max_entries / 3", Severity.NON_FATAL),
  /** Keys do not strictly increase. */
  KEYS_OUT_OF_ORDER("keys out of order", Severity.FATAL),
  /** An internal node without entries. */
  EMPTY_INTERNAL("internal node has no entries", Severity.FATAL),
  /** A key lies outside the range its parent assigns to the node. */
  KEY_OUT_OF_RANGE("key outside the range given by the parent", Severity.FATAL),
  /** Leaves at different depths, or a leaf where an internal node was expected. */
  DEPTH_MISMATCH("btree nodes are not all at the same depth", Severity.FATAL),
  /** A child pointer beyond the end of the metadata. */
  BLOCK_OUT_OF_RANGE("block out of space map boundary", Severity.FATAL),
  /** A child pointer back to one of the node's own ancestors. */
  POINTER_LOOP("btree pointer loop", Severity.FATAL),
  /** A chain of pointers deeper than any valid btree. */
  TOO_DEEP("btree too deep", Severity.FATAL);

  private final String text;
  private final Severity severity;

  NodeFault(String text, Severity severity) {
    this.text = text;
    this.severity = severity;
  }

  /** Short description, as the reference prints it where it has one. */
  public String text() {
    return text;
  }

  /** Severity of this fault. */
  public Severity severity() {
    return severity;
  }
}
