package org.thinmeta.thin.write;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.thinmeta.pdata.io.MemoryBlockDevice;
import org.thinmeta.pdata.sm.MetadataSpaceMap.OpOrder;

/**
 * The reference {@code thin_check} 0.9.0 (when installed) on a sample of committed images from
 * random engine runs, and on the FIFO and LIFO refcount-rebalance images. 0.9.0 compares only the
 * metadata space map (not data counts), so it sees the LIFO damage but checks less than the audit.
 */
class ReferenceCheckTest {
  static final Path THIN_CHECK = Path.of("/usr/sbin/thin_check");

  @TempDir Path tmp;

  record Run(int status, String out) {}

  Run check(MemoryBlockDevice dev) throws IOException, InterruptedException {
    Path f = Files.createTempFile(tmp, "image", ".bin");
    Files.write(f, dev.toByteArray());
    Process p =
        new ProcessBuilder(THIN_CHECK.toString(), f.toString()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    Files.delete(f);
    return new Run(p.exitValue(), out);
  }

  @Test
  void reference_acceptsCommittedImagesOfRandomRuns() throws Exception {
    assumeTrue(Files.isExecutable(THIN_CHECK), "reference thin_check not installed");
    int checked = 0;
    for (long seed = 1; seed <= 8; seed++) {
      MemoryBlockDevice dev = new MemoryBlockDevice(2048);
      ThinPool pool = ThinPool.format(dev, 128, 50000, ThinPool.Options.DEFAULT);
      PoolModel model = new PoolModel(50000);
      RandomOps gen = new RandomOps(seed, 3000, 200);
      int commits = 0;
      for (int i = 0; i < 400; i++) {
        PoolOp op = gen.next(pool);
        PoolScript.apply(pool, op, model);
        if (op instanceof PoolOp.Commit && ++commits % 8 == 0) {
          assertEquals(List.of(), Expect.consistentWith(dev, model));
          Run r = check(dev);
          assertEquals(0, r.status(), "seed " + seed + ", op " + i + ":\n" + r.out());
          checked++;
        }
      }
    }
    assertTrue(checked >= 40, checked + " images checked");
  }

  @Test
  void reference_acceptsFifoAndRejectsLifoRebalanceImages() throws Exception {
    assumeTrue(Files.isExecutable(THIN_CHECK), "reference thin_check not installed");
    MemoryBlockDevice fifo = new MemoryBlockDevice(RefCountOrderTest.METADATA_BLOCKS);
    RefCountOrderTest.build(fifo, OpOrder.FIFO);
    assertEquals(0, check(fifo).status());
    MemoryBlockDevice lifo = new MemoryBlockDevice(RefCountOrderTest.METADATA_BLOCKS);
    RefCountOrderTest.build(lifo, OpOrder.LIFO);
    Run r = check(lifo);
    assertEquals(1, r.status(), r.out());
    for (long b : Audit.run(lifo).tooLowMetadata()) {
      assertTrue(
          r.out()
              .contains(
                  "metadata reference counts differ for block " + b + ", expected 1, but got 0"),
          "block " + b + " in:\n" + r.out());
    }
  }
}
