package org.thinmeta.repair.salvage;

/** Where a piece of salvaged metadata came from, from most to least trusted. */
public enum Source {
  /** The current trees named by the superblock (or, without one, the newest roots on disk). */
  LIVE("live"),
  /** The metadata snapshot's trees. */
  SNAPSHOT("metadata snapshot"),
  /** An unreferenced subtree identified by the device's details (mapping count). */
  MATCHED("matched orphan subtree"),
  /** Orphaned nodes found by the scan, used only inside a hole. */
  ORPHAN("orphaned nodes"),
  /** Nothing on disk: values rebuilt conservatively. */
  REBUILT("rebuilt"),
  /** Not found. */
  NONE("none");

  private final String text;

  Source(String text) {
    this.text = text;
  }

  /** Short description for reports. */
  public String text() {
    return text;
  }
}
