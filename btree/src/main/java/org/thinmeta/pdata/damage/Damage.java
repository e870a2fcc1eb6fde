package org.thinmeta.pdata.damage;

import org.thinmeta.pdata.btree.KeyRange;
import org.thinmeta.pdata.btree.NodeFault;

/**
 * One piece of damage found in persistent-data structures, with the metadata block it is in.
 * Records describe themselves; callers add thin-level context.
 */
public sealed interface Damage {
  /** Metadata block where the damage is, or -1 if it is not in one block. */
  long location();

  /** Fatal or not. */
  Severity severity();

  /** One-line description with the block number. */
  String describe();

  /** A btree node that breaks a rule, or that cannot be read. */
  record BadNode(long location, NodeFault fault, String detail, KeyRange keys) implements Damage {
    @Override
    public Severity severity() {
      return fault.severity();
    }

    @Override
    public String describe() {
      StringBuilder sb = new StringBuilder(fault.text());
      if (detail != null && !detail.isEmpty()) {
        sb.append(" (").append(detail).append(')');
      }
      sb.append(" at block ").append(location);
      if (keys != null && !keys.isUnbounded()) {
        sb.append(", keys ").append(keys);
      }
      return sb.toString();
    }
  }

  /** A space-map structure (index block, bitmap) that cannot be used. */
  record BadSpaceMapBlock(long location, String what) implements Damage {
    @Override
    public Severity severity() {
      return Severity.FATAL;
    }

    @Override
    public String describe() {
      return what;
    }
  }

  /** A reference count on disk that differs from the one the walk computed. */
  record RefCountMismatch(long location, long expected, long actual) implements Damage {
    @Override
    public Severity severity() {
      return expected == 0 && actual == 1 ? Severity.NON_FATAL : Severity.FATAL;
    }

    /** True if the on-disk count is higher than needed and the block is unused (a leak). */
    public boolean isLeak() {
      return expected == 0 && actual == 1;
    }

    @Override
    public String describe() {
      return "block " + location + ": expected count " + expected + ", on disk " + actual;
    }
  }
}
