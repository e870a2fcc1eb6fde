package org.thinmeta.repair.salvage;

import java.io.IOException;
import org.thinmeta.pdata.Progress;
import org.thinmeta.pdata.io.BlockDevice;
import org.thinmeta.repair.restore.Restorer;

/**
 * thin_repair: salvage the input (see {@link Salvager}) and write the result as a fresh pool with
 * the restore engine. The output's superblock is invalidated before anything else, so a failed or
 * interrupted repair never leaves an output that looks like metadata.
 */
public final class Repair {
  private Repair() {}

  /**
   * Repairs {@code in} into {@code out} (open read-write).
   *
   * @return what was salvaged, for the report
   */
  public static SalvagePlan repair(
      BlockDevice in, BlockDevice out, Salvager.Options options, Progress progress)
      throws IOException {
    try (Restorer restorer = new Restorer(out, Restorer.Options.NONE)) {
      restorer.invalidate();
      SalvagePlan plan = Salvager.salvage(in, options, progress);
      plan.emit(restorer);
      restorer.result();
      return plan;
    }
  }
}
