package org.thinmeta.thin.write;

import java.util.Locale;

/**
 * One kernel-style pool operation, as written in a {@code thin_generate_metadata} script (one per
 * line; {@code #} starts a comment; COUNT and STRIDE default to 1; a range covers VBLOCK + i *
 * STRIDE for i below COUNT):
 *
 * <pre>
 * create_thin DEV
 * create_snap DEV ORIGIN
 * delete DEV
 * provision DEV VBLOCK [COUNT [STRIDE]]  map unmapped blocks to new data blocks (mapped ones stay)
 * write DEV VBLOCK [COUNT [STRIDE]]      kernel write: provision, break sharing, or nothing
 * insert DEV VBLOCK DATA [COUNT]    map VBLOCK+i to DATA+i with the current time
 * discard DEV VBLOCK [COUNT [STRIDE]]    unmap
 * set_transaction_id ID
 * reserve_metadata_snap
 * release_metadata_snap
 * set_needs_check
 * clear_needs_check
 * commit
 * </pre>
 */
public sealed interface PoolOp {
  /** {@code create_thin DEV}. */
  record CreateThin(long dev) implements PoolOp {
    @Override
    public String toString() {
      return "create_thin " + dev;
    }
  }

  /** {@code create_snap DEV ORIGIN}. */
  record CreateSnap(long dev, long origin) implements PoolOp {
    @Override
    public String toString() {
      return "create_snap " + dev + " " + origin;
    }
  }

  /** {@code delete DEV}. */
  record Delete(long dev) implements PoolOp {
    @Override
    public String toString() {
      return "delete " + dev;
    }
  }

  /** {@code provision DEV VBLOCK COUNT [STRIDE]}: blocks VBLOCK + i * STRIDE, i < COUNT. */
  record Provision(long dev, long vblock, long count, long stride) implements PoolOp {
    /** With stride 1. */
    public Provision(long dev, long vblock, long count) {
      this(dev, vblock, count, 1);
    }

    /** The i-th virtual block. */
    public long block(long i) {
      return vblock + i * stride;
    }

    @Override
    public String toString() {
      return "provision " + dev + " " + vblock + " " + count + (stride == 1 ? "" : " " + stride);
    }
  }

  /** {@code write DEV VBLOCK COUNT [STRIDE]}: blocks VBLOCK + i * STRIDE, i < COUNT. */
  record Write(long dev, long vblock, long count, long stride) implements PoolOp {
    /** With stride 1. */
    public Write(long dev, long vblock, long count) {
      this(dev, vblock, count, 1);
    }

    /** The i-th virtual block. */
    public long block(long i) {
      return vblock + i * stride;
    }

    @Override
    public String toString() {
      return "write " + dev + " " + vblock + " " + count + (stride == 1 ? "" : " " + stride);
    }
  }

  /** {@code insert DEV VBLOCK DATA COUNT}. */
  record Insert(long dev, long vblock, long data, long count) implements PoolOp {
    @Override
    public String toString() {
      return "insert " + dev + " " + vblock + " " + data + " " + count;
    }
  }

  /** {@code discard DEV VBLOCK COUNT [STRIDE]}: blocks VBLOCK + i * STRIDE, i < COUNT. */
  record Discard(long dev, long vblock, long count, long stride) implements PoolOp {
    /** With stride 1. */
    public Discard(long dev, long vblock, long count) {
      this(dev, vblock, count, 1);
    }

    /** The i-th virtual block. */
    public long block(long i) {
      return vblock + i * stride;
    }

    @Override
    public String toString() {
      return "discard " + dev + " " + vblock + " " + count + (stride == 1 ? "" : " " + stride);
    }
  }

  /** {@code set_transaction_id ID}. */
  record SetTransactionId(long id) implements PoolOp {
    @Override
    public String toString() {
      return "set_transaction_id " + id;
    }
  }

  /** {@code reserve_metadata_snap}. */
  record ReserveMetadataSnap() implements PoolOp {
    @Override
    public String toString() {
      return "reserve_metadata_snap";
    }
  }

  /** {@code release_metadata_snap}. */
  record ReleaseMetadataSnap() implements PoolOp {
    @Override
    public String toString() {
      return "release_metadata_snap";
    }
  }

  /** {@code set_needs_check} / {@code clear_needs_check}. */
  record NeedsCheck(boolean on) implements PoolOp {
    @Override
    public String toString() {
      return on ? "set_needs_check" : "clear_needs_check";
    }
  }

  /** {@code commit}. */
  record Commit() implements PoolOp {
    @Override
    public String toString() {
      return "commit";
    }
  }

  /**
   * Parses one script line.
   *
   * @return null for a blank or comment line
   * @throws IllegalArgumentException with a message naming the problem
   */
  static PoolOp parse(String line) {
    int hash = line.indexOf('#');
    String s = (hash >= 0 ? line.substring(0, hash) : line).trim();
    if (s.isEmpty()) {
      return null;
    }
    String[] w = s.split("\\s+");
    String name = w[0].toLowerCase(Locale.ROOT);
    switch (name) {
      case "create_thin":
        args(w, 1, 1);
        return new CreateThin(num(w, 1));
      case "create_snap":
        args(w, 2, 2);
        return new CreateSnap(num(w, 1), num(w, 2));
      case "delete":
        args(w, 1, 1);
        return new Delete(num(w, 1));
      case "provision":
        args(w, 2, 4);
        return new Provision(num(w, 1), num(w, 2), count(w, 3), count(w, 4));
      case "write":
        args(w, 2, 4);
        return new Write(num(w, 1), num(w, 2), count(w, 3), count(w, 4));
      case "insert":
        args(w, 3, 4);
        return new Insert(num(w, 1), num(w, 2), num(w, 3), count(w, 4));
      case "discard":
        args(w, 2, 4);
        return new Discard(num(w, 1), num(w, 2), count(w, 3), count(w, 4));
      case "set_transaction_id":
        args(w, 1, 1);
        return new SetTransactionId(num(w, 1));
      case "reserve_metadata_snap":
        args(w, 0, 0);
        return new ReserveMetadataSnap();
      case "release_metadata_snap":
        args(w, 0, 0);
        return new ReleaseMetadataSnap();
      case "set_needs_check":
        args(w, 0, 0);
        return new NeedsCheck(true);
      case "clear_needs_check":
        args(w, 0, 0);
        return new NeedsCheck(false);
      case "commit":
        args(w, 0, 0);
        return new Commit();
      default:
        throw new IllegalArgumentException("unknown operation '" + w[0] + "'");
    }
  }

  private static void args(String[] w, int min, int max) {
    int n = w.length - 1;
    if (n < min || n > max) {
      String want = min == max ? String.valueOf(min) : min + " to " + max;
      throw new IllegalArgumentException(w[0] + " takes " + want + " arguments, not " + n);
    }
  }

  private static long num(String[] w, int i) {
    try {
      long v = Long.parseLong(w[i]);
      if (v < 0) {
        throw new NumberFormatException();
      }
      return v;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("bad number '" + w[i] + "' in " + w[0]);
    }
  }

  private static long count(String[] w, int i) {
    if (i >= w.length) {
      return 1;
    }
    long c = num(w, i);
    if (c == 0) {
      throw new IllegalArgumentException("count must be at least 1 in " + w[0]);
    }
    return c;
  }
}
