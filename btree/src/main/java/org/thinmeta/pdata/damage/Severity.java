package org.thinmeta.pdata.damage;

/** How bad a piece of damage is. */
public enum Severity {
  /** Metadata is unusable as is; the check fails. */
  FATAL,
  /** Harmless to the kernel (a leak, an underfull node); ignorable with an option. */
  NON_FATAL;
}
