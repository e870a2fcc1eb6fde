package org.thinmeta.repair.trim;

import java.io.IOException;
import org.thinmeta.pdata.io.BlockDevice;

/**
 * The metadata check thin_trim runs before discarding anything. It is pluggable so that the full
 * thin_check can take the place of {@link MappingSafetyCheck}.
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
