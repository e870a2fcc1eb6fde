package org.thinmeta.repair.salvage;

import java.io.IOException;
import org.thinmeta.pdata.Progress;
import org.thinmeta.pdata.io.BlockDevice;
import org.thinmeta.repair.restore.Restorer;

/**
 * thin_repair: salvage the input (see {@link Salvager}) and write the result as a fresh pool with
 * the restore engine. The output is prepared before the input is read ({@link
 * Restorer#prepareOutput}): if it holds valid old metadata, that is kept intact until the repaired
 * pool's superblock replaces it (unless the new pool needs its blocks); otherwise its superblock is
 * invalidated first. So a failed or interrupted repair leaves either the old metadata or nothing
 * that looks like metadata, and a completed one the whole repaired pool.
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
      restorer.prepareOutput();
      SalvagePlan plan = Salvager.salvage(in, options, progress);
      plan.emit(restorer);
      restorer.result();
      return plan;
    }
  }
}
