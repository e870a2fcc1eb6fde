package org.thinmeta.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Acceptance 5 of issue 5: a real Linux dm-thin (QEMU VM, {@code ../shared/kernel-vm/}) accepts
 * what thin_repair writes from damaged metadata, and every recovered device reads back its content,
 * also after writes that break the sharing between an origin and its snapshot.
 *
 * <p>The pool is built by the write engine (kernel-style copy-on-write, space maps): an origin (dev
 * 1, 800 mappings over 6 leaves under an internal root) with a snapshot (dev 2) that still shares
 * two of those leaves and 750 data blocks, and an independent device (dev 3). The data file names
 * every block in its content. Two damage classes are repaired: the origin's root is destroyed (its
 * leaves come back through the metadata space map's counts, shared ones included), and dev 3's
 * top-level entry is lost (its subtree is found by its mapping count). Skipped when the VM harness
 * is not set up or with {@code -Dthinmeta.kernelvm=false}.
 */
class KernelAcceptsRepairTest {
  private static final int BLOCK_BYTES = 128 * 512;
  private static final int NR_DATA_BLOCKS = 2048;
  private static final int DEVICE_BLOCKS = 1200;
  private static final String SCRIPT =
      "create_thin 1\n"
          + "provision 1 0 700\n"
          + "create_snap 2 1\n"
          + "write 1 100 50\n"
          + "provision 1 1000 100\n"
          + "create_thin 3\n"
          + "provision 3 0 400\n"
          + "set_transaction_id 5\n"
          + "commit\n";

  static Path dir;
  static Path pool;
  static Path data;
  static Path spec;

  @BeforeAll
  static void buildPool() throws Exception {
    if (!KernelAcceptsRestoreTest.available() || !Fixtures.available()) {
      return;
    }
    dir = Fixtures.scratch().resolve("kernel-accept-repair");
    Files.createDirectories(dir);
    Path script = dir.resolve("pool.txt");
    Files.writeString(script, SCRIPT, StandardCharsets.US_ASCII);
    pool = dir.resolve("pool.bin");
    Files.deleteIfExists(pool);
    Cli.Result g =
        Cli.run(
            "thin_generate_metadata",
            "--format",
            "--metadata-blocks",
            "1024",
            "--data-blocks",
            String.valueOf(NR_DATA_BLOCKS),
            "-o",
            pool.toString(),
            "--script",
            script.toString());
    assertEquals(0, g.status(), g::toString);
    data = dir.resolve("data.bin");
    Files.deleteIfExists(data);
    writeData(data);
    // Expected contents, computed on the host from the undamaged pool.
    List<String> cmd = new ArrayList<>();
    cmd.add(KernelAcceptsRestoreTest.harness().resolve("host-expected.sh").toString());
    cmd.add(pool.toString());
    cmd.add(data.toString());
    cmd.add("sample:" + BLOCK_BYTES + ":512");
    for (int id = 1; id <= 3; id++) {
      cmd.add(id + ":" + (long) DEVICE_BLOCKS * 128);
    }
    int[] status = {0};
    spec = dir.resolve("expected.spec");
    String text = KernelAcceptsRestoreTest.run(dir, spec, cmd, 5, status);
    assertEquals(0, status[0], text);
    assertEquals(3, text.lines().filter(l -> l.startsWith("thin ")).count(), text);
  }

  @AfterAll
  static void removeData() throws IOException {
    if (data != null) {
      Files.deleteIfExists(data);
    }
  }

  /** Fills every data block with text naming it, so content identifies the block. */
  static void writeData(Path file) throws IOException {
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      f.setLength((long) NR_DATA_BLOCKS * BLOCK_BYTES);
      byte[] block = new byte[BLOCK_BYTES];
      for (int b = 0; b < 1300; b++) {
        byte[] tag = String.format("DATA:%07d:\n", b).getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < BLOCK_BYTES; i++) {
          block[i] = tag[i % tag.length];
        }
        f.seek((long) b * BLOCK_BYTES);
        f.write(block);
      }
    }
  }

  /** Damages a copy of the pool, repairs it, checks the dump, and runs accept.sh on the result. */
  private void repairAndAccept(String name, Damage damage) throws Exception {
    assumeTrue(
        KernelAcceptsRestoreTest.available() && pool != null,
        "kernel-vm harness not set up (run ../shared/kernel-vm/setup.sh)");
    Path damaged = dir.resolve(name + ".bin");
    Files.copy(pool, damaged, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    try (Surgery s = Surgery.open(damaged)) {
      damage.apply(s);
    }
    Cli.Result broken = Cli.run("thin_dump", damaged.toString());
    assertTrue(broken.status() != 0 || !broken.stdout().equals(dump(pool)), "not damaged");
    Path repaired = dir.resolve(name + ".repaired.bin");
    Files.deleteIfExists(repaired);
    try (RandomAccessFile f = new RandomAccessFile(repaired.toFile(), "rw")) {
      f.setLength(4L << 20);
    }
    Cli.Result r = Cli.run("thin_repair", "-i", damaged.toString(), "-o", repaired.toString());
    assertEquals(0, r.status(), r::toString);
    assertEquals(dump(pool), dump(repaired), "every mapping recovered");
    int[] status = {0};
    String out =
        KernelAcceptsRestoreTest.run(
            dir,
            dir.resolve(name + ".accept.log"),
            List.of(
                KernelAcceptsRestoreTest.harness().resolve("accept.sh").toString(),
                "--write-test=1",
                repaired.toString(),
                data.toString(),
                spec.toString()),
            20,
            status);
    assertEquals(0, status[0], out);
    assertTrue(out.contains("RESULT: PASS (5 passed, 0 failed)"), out);
    // The origin was overwritten; its snapshot and dev 3 still read what they held.
    assertTrue(out.contains("DEV 2 PASS (after-write)"), out);
    assertTrue(out.contains("DEV 3 PASS (after-write)"), out);
  }

  private static String dump(Path p) {
    Cli.Result d = Cli.run("thin_dump", p.toString());
    assertEquals(0, d.status(), d::toString);
    return d.stdout();
  }

  interface Damage {
    void apply(Surgery s) throws IOException;
  }

  @Test
  void destroyedRootOfASnapshottedOrigin_repairedPoolReadsBackEveryDevice() throws Exception {
    repairAndAccept("origin-root", s -> s.zero(s.deviceRoots().get(1L)));
  }

  @Test
  void lostTopLevelEntry_repairedPoolReadsBackEveryDevice() throws Exception {
    repairAndAccept("top-level-entry", s -> s.removeEntry(s.superblock().mappingRoot(), 3));
  }
}
