package org.thinmeta.repair.trim;

import java.io.IOException;
import org.thinmeta.pdata.io.BlockDevice;
import org.thinmeta.repair.check.CheckListener;
import org.thinmeta.repair.check.CheckOptions;
import org.thinmeta.repair.check.CheckReport;
import org.thinmeta.repair.check.ThinChecker;

/**
 * The pre-trim check that thin_trim uses: the whole of thin_check (every tree, and both space maps
 * against the reference counts the walk computes). Non-fatal problems such as leaks do not stop a
 * trim: a leaked block is counted in use, so it is never discarded.
 */
public final class FullCheck implements TrimPreCheck {
  @Override
  public String problem(BlockDevice dev) throws IOException {
    CheckReport report =
        new ThinChecker(dev, new CheckListener() {})
            .check(CheckOptions.builder().ignoreNonFatal(true).build());
    if (report.passed(true)) {
      return null;
    }
    String m = report.abortMessage();
    if (m == null && !report.problems().isEmpty()) {
      m = report.problems().get(0).message();
    }
    return m == null ? "metadata check failed" : m.replace('\n', ' ');
  }
}
