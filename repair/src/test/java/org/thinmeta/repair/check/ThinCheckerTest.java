package org.thinmeta.repair.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.thinmeta.pdata.io.BlockDevice;

/** Checks of undamaged pools built in code. */
class ThinCheckerTest {
  static CheckReport check(BlockDevice dev, CheckOptions o, Recorder r) throws IOException {
    return new ThinChecker(dev, r).check(o);
  }

  @Test
  void check_passesCleanPoolWithEverySharingKind() throws IOException {
    Pools.Pool p = Pools.standard();
    Recorder r = new Recorder();

    CheckReport report = check(p.dev(), CheckOptions.DEFAULT, r);

    assertEquals(CheckReport.Outcome.CLEAN, report.outcome(), r.text());
    assertEquals(List.of(), report.problems());
    assertEquals(
        List.of("Checking thin metadata", "device details tree", "mapping tree"),
        r.at(CheckListener.Level.TITLE));
    assertEquals("", String.join("\n", r.at(CheckListener.Level.FATAL)));
    assertEquals(3, p.builder().metadataCount(p.root1()));
    assertEquals(2, p.builder().metadataCount(p.left()));
    assertEquals(3, p.builder().dataCount(0));
  }

  @Test
  void check_passesCleanPoolWithMetadataSnapshot() throws IOException {
    Pools.Pool p = Pools.withSnapshot();
    Recorder r = new Recorder();

    CheckReport report = check(p.dev(), CheckOptions.DEFAULT, r);

    assertEquals(CheckReport.Outcome.CLEAN, report.outcome(), r.text());
    assertTrue(
        r.at(CheckListener.Level.INFO)
            .contains("number of devices to check: 9 (1 exclusive in metadata snapshot)"),
        r.lines::toString);
  }
}
