package org.thinmeta.thin.write;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.thinmeta.pdata.io.MemoryBlockDevice;

/**
 * The engine on metadata a real kernel wrote: the audit's recount agrees with the kernel's counts
 * (a check of the audit itself), and random operations on the opened pool keep it consistent and
 * equal to the model started from the image's contents.
 */
class KernelFixturesTest {
  static final Path KERNEL = Path.of("../../shared/fixtures/kernel");

  static MemoryBlockDevice load(String name) throws IOException {
    Path gz = KERNEL.resolve(name + ".bin.gz");
    assumeTrue(Files.exists(gz), "kernel fixtures missing");
    try (InputStream in = new GZIPInputStream(Files.newInputStream(gz))) {
      return MemoryBlockDevice.of(in.readAllBytes());
    }
  }

  static PoolModel.State state(
      Audit.Result r, SortedMap<Long, Audit.Dev> devices, long time, long trans, int flags) {
    SortedMap<Long, PoolModel.Device> out = new TreeMap<>();
    for (Map.Entry<Long, Audit.Dev> e : devices.entrySet()) {
      var d = e.getValue().details();
      out.put(
          e.getKey(),
          new PoolModel.Device(
              new TreeMap<>(e.getValue().map()),
              d.transactionId(),
              d.creationTime(),
              d.snapshottedTime()));
    }
    return new PoolModel.State(out, time, trans, flags);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "tmeta",
        "tmeta_with_metadata_snap",
        "tmeta_device_id_reuse",
        "tmeta_with_deleted_snapshot",
        "tmeta_with_empty_roots",
        "tmeta_with_shared_internal_root",
        "tmeta_with_shared_internals_and_leaves"
      })
  void kernelImage_auditsCleanAndStaysConsistentUnderRandomOperations(String name)
      throws IOException {
    MemoryBlockDevice dev = load(name);
    Audit.Result before = Audit.run(dev);
    assertEquals(List.of(), before.problems(), "kernel image as written");
    PoolModel.State current =
        state(
            before,
            before.devices(),
            before.sb().time(),
            before.sb().transactionId(),
            before.sb().flags());
    PoolModel.State held =
        before.snap() == null
            ? null
            : state(
                before,
                before.snapDevices(),
                before.snap().time(),
                before.snap().transactionId(),
                before.snap().flags());
    PoolModel model = PoolModel.of(before.sb().dataSmRoot().nrBlocks(), current, held);
    ThinPool pool = ThinPool.open(dev, ThinPool.Options.DEFAULT);
    RandomOps gen = new RandomOps(name.hashCode(), 4096, 64);
    int commits = 0;
    for (int i = 0; i < 300; i++) {
      PoolOp op = gen.next(pool);
      PoolScript.apply(pool, op, model);
      // A full audit of the larger images takes a while: every tenth commit.
      if (op instanceof PoolOp.Commit && ++commits % 10 == 0) {
        assertEquals(List.of(), Expect.consistentWith(dev, model), name + " after op " + i);
      }
    }
    pool.commit();
    model.commit();
    assertEquals(List.of(), Expect.consistentWith(dev, model), name);
  }
}
