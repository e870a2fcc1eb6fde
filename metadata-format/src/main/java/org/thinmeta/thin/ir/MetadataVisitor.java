package org.thinmeta.thin.ir;

import java.io.IOException;

/**
 * Receives thin metadata as a stream of events: dump produces them, the XML and human-readable
 * writers and restore consume them, repair is a dump into a restore.
 */
public interface MetadataVisitor {
  /** Start of the pool. */
  void superblockBegin(SuperblockInfo sb) throws IOException;

  /** End of the pool: the output is complete. */
  void superblockEnd() throws IOException;

  /** Start of a device. */
  void deviceBegin(DeviceInfo dev) throws IOException;

  /** End of a device. */
  void deviceEnd() throws IOException;

  /**
   * A run of {@code length} mappings: thin block {@code thinBegin + i} maps to data block {@code
   * dataBegin + i}, all with the same {@code time}.
   */
  void map(long thinBegin, long dataBegin, long length, long time) throws IOException;

  /** Start of a shared run of mappings named {@code name} (1.3.3 {@code <def>}). */
  default void defBegin(String name) throws IOException {
    throw new IOException("<def> is not supported here");
  }

  /** End of a shared run. */
  default void defEnd() throws IOException {
    throw new IOException("<def> is not supported here");
  }

  /** Splices the shared run {@code name} into the current device (1.3.3 {@code <ref>}). */
  default void ref(String name) throws IOException {
    throw new IOException("<ref> is not supported here");
  }
}
