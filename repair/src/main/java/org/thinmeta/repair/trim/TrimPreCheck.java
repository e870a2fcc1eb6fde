package org.thinmeta.repair.trim;

import java.io.IOException;
import org.thinmeta.pdata.io.BlockDevice;

/**
 * The metadata check thin_trim runs before discarding anything ({@link FullCheck}); pluggable so
 * tests can supply their own.
 */
@FunctionalInterface
public interface TrimPreCheck {
  /**
   * Checks the metadata on {@code dev}.
   *
   * @return null if trimming is safe, else a one-line description of the first problem
   */
  String problem(BlockDevice dev) throws IOException;
}
