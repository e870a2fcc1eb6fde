package org.thinmeta.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.thinmeta.thin.format.Superblock;

/**
 * A real Linux dm-thin (in a QEMU VM, {@code ../shared/kernel-vm/}) accepts metadata written by our
 * thin_restore: several devices share data blocks, both through a {@code <def>} whose leaves two
 * devices share and through plain duplicate mappings; every device reads back the expected content,
 * and after the kernel overwrites blocks of two devices (breaking the sharing, which needs right
 * reference counts and a right free-space map) the others still do. Skipped when the VM harness is
 * not set up ({@code ../shared/kernel-vm/setup.sh}) or with {@code -Dthinmeta.kernelvm=false}.
 */
class KernelAcceptsRestoreTest {
  private static final int BLOCK_SECTORS = 128;
  private static final int BLOCK_BYTES = BLOCK_SECTORS * 512;
  private static final int NR_DATA_BLOCKS = 2048;
  private static final int DEVICE_BLOCKS = 1200;

  static Path harness() {
    return Fixtures.repo().resolve("../shared/kernel-vm").normalize();
  }

  static boolean available() {
    if ("false".equals(System.getProperty("thinmeta.kernelvm"))) {
      return false;
    }
    String cache = System.getenv().getOrDefault("KVMH_CACHE", "/var/tmp/kernel-vm");
    return Files.isExecutable(harness().resolve("accept.sh"))
        && Files.isRegularFile(Path.of(cache, "vmlinuz"))
        && Files.isRegularFile(Path.of(cache, "initrd.gz"))
        && onPath("qemu-system-x86_64")
        && onPath("thin_dump");
  }

  private static boolean onPath(String exe) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, exe))) {
        return true;
      }
    }
    return Files.isExecutable(Path.of("/usr/sbin", exe));
  }

  static String range(long thin, long data, long len, int time) {
    return "    <range_mapping origin_begin=\""
        + thin
        + "\" data_begin=\""
        + data
        + "\" length=\""
        + len
        + "\" time=\""
        + time
        + "\"/>\n";
  }

  static String device(int id, long mapped, String body) {
    return "  <device dev_id=\""
        + id
        + "\" mapped_blocks=\""
        + mapped
        + "\" transaction=\"0\" creation_time=\"0\" snap_time=\"1\">\n"
        + body
        + "  </device>\n";
  }

  /** Four devices: 1 and 2 share a def's 600 mappings (3 leaves), 3 shares data with 1. */
  static String pool() {
    return "<superblock uuid=\"\" time=\"2\" transaction=\"5\" data_block_size=\""
        + BLOCK_SECTORS
        + "\" nr_data_blocks=\""
        + NR_DATA_BLOCKS
        + "\">\n"
        + "  <def name=\"shared\">\n"
        + range(0, 0, 600, 0)
        + "  </def>\n"
        + device(1, 700, "    <ref name=\"shared\"/>\n" + range(1000, 600, 100, 1))
        + device(2, 650, "    <ref name=\"shared\"/>\n" + range(800, 700, 50, 2))
        + device(3, 400, range(0, 0, 300, 0) + range(300, 800, 100, 1))
        + device(4, 0, "")
        + "</superblock>\n";
  }

  /** Fills the mapped data blocks with text naming the block, so content identifies it. */
  static void writeData(Path data) throws IOException {
    try (RandomAccessFile f = new RandomAccessFile(data.toFile(), "rw")) {
      f.setLength((long) NR_DATA_BLOCKS * BLOCK_BYTES);
      byte[] block = new byte[BLOCK_BYTES];
      for (int b = 0; b < 900; b++) {
        byte[] tag = String.format("DATA:%07d:\n", b).getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < BLOCK_BYTES; i++) {
          block[i] = tag[i % tag.length];
        }
        f.seek((long) b * BLOCK_BYTES);
        f.write(block);
      }
    }
  }

  static String run(Path dir, Path log, List<String> cmd, int timeoutMinutes, int[] status)
      throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(cmd);
    // The harness calls thin_dump/thin_check and dmsetup by name; they live in /usr/sbin.
    pb.environment().merge("PATH", "/usr/sbin:/sbin", (a, b) -> a + ":" + b);
    Process p =
        pb.directory(dir.toFile())
            .redirectOutput(log.toFile())
            .redirectError(Path.of(log + ".err").toFile())
            .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
            .start();
    if (!p.waitFor(timeoutMinutes, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new IOException(cmd.get(0) + " timed out; log: " + Files.readString(log));
    }
    status[0] = p.exitValue();
    String err = Files.readString(Path.of(log + ".err"));
    return status[0] == 0 ? Files.readString(log) : Files.readString(log) + err;
  }

  /**
   * Also over another pool: the new pool is then written around the old one's blocks (not from
   * block 1 on), and its space map counts the old blocks as free for the kernel to reuse.
   */
  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void kernelActivatesRestoredPool_readsEveryDevice_andSurvivesWritesThatBreakSharing(
      boolean overAnotherPool) throws Exception {
    assumeTrue(available(), "kernel-vm harness not set up (run ../shared/kernel-vm/setup.sh)");
    Path dir = Fixtures.scratch().resolve("kernel-accept");
    Files.createDirectories(dir);
    Path xml = dir.resolve("pool.xml");
    Files.writeString(xml, pool(), StandardCharsets.US_ASCII);
    Path meta = dir.resolve("meta.bin");
    Files.deleteIfExists(meta);
    try (RandomAccessFile f = new RandomAccessFile(meta.toFile(), "rw")) {
      f.setLength(8L << 20);
    }
    if (overAnotherPool) {
      Path other = dir.resolve("other.xml");
      Files.writeString(
          other,
          pool()
              .replace("dev_id=\"1\"", "dev_id=\"7\"")
              .replace(range(1000, 600, 100, 1), range(1000, 600, 100, 1) + range(5000, 0, 900, 3)),
          StandardCharsets.US_ASCII);
      Cli.Result first = Cli.run("thin_restore", "-i", other.toString(), "-o", meta.toString());
      assertEquals(0, first.status(), first::toString);
    }
    Cli.Result r = Cli.run("thin_restore", "-i", xml.toString(), "-o", meta.toString());
    assertEquals(0, r.status(), r::toString);
    if (overAnotherPool) {
      Superblock sb =
          Superblock.decode(
              ByteBuffer.wrap(Files.readAllBytes(meta), 0, 4096)
                  .slice()
                  .order(java.nio.ByteOrder.LITTLE_ENDIAN));
      assertTrue(sb.mappingRoot() > 20, "the new pool lies beyond the old: " + sb.mappingRoot());
    }
    Path data = dir.resolve("data.bin");
    Files.deleteIfExists(data);
    writeData(data);

    // Expected contents, computed on the host from the 0.9.0 thin_dump of our image.
    List<String> cmd = new ArrayList<>();
    cmd.add(harness().resolve("host-expected.sh").toString());
    cmd.add(meta.toString());
    cmd.add(data.toString());
    cmd.add("sample:" + BLOCK_BYTES + ":512");
    for (int id = 1; id <= 4; id++) {
      cmd.add(id + ":" + (long) DEVICE_BLOCKS * BLOCK_SECTORS);
    }
    int[] status = {0};
    Path spec = dir.resolve("expected.spec");
    String specText = run(dir, spec, cmd, 5, status);
    assertEquals(0, status[0], specText);
    assertEquals(4, specText.lines().filter(l -> l.startsWith("thin ")).count(), specText);

    String out =
        run(
            dir,
            dir.resolve("accept.log"),
            List.of(
                harness().resolve("accept.sh").toString(),
                "--write-test=1,3",
                meta.toString(),
                data.toString(),
                spec.toString()),
            20,
            status);
    assertEquals(0, status[0], out);
    assertTrue(out.contains("RESULT: PASS (") && out.contains(" passed, 0 failed)"), out);
    assertTrue(out.contains("metadata copy modified by the kernel"), out);
    Files.deleteIfExists(data); // 57 MB written; keep the rest for a look after a failure
  }
}
