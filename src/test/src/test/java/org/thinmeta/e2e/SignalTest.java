package org.thinmeta.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.thinmeta.thin.format.Superblock;

/**
 * SIGINT/SIGTERM while thin_restore writes, through the launcher: the process dies, and the output
 * holds its old pool untouched (over valid metadata restore writes only blocks the old space map
 * leaves free, and the new superblock last), or, over an output without valid metadata, no valid
 * superblock (block 0 is invalidated before anything else is written).
 */
class SignalTest {
  private static Path dir;
  private static Path xml;

  @BeforeAll
  static void bigXml() throws Exception {
    assumeTrue(Fixtures.available());
    assumeTrue(
        Files.isExecutable(Path.of("/bin/kill")) || Files.isExecutable(Path.of("/usr/bin/kill")));
    dir = Fixtures.scratch().resolve("signal");
    Files.createDirectories(dir);
    xml = dir.resolve("big.xml");
    // Large enough that the restore is still writing well after block 0 has been invalidated.
    BigPoolXml.write(xml, 2_000_000, 4);
  }

  @AfterAll
  static void cleanUp() throws Exception {
    if (dir != null) {
      try (var s = Files.list(dir)) {
        for (Path p : s.toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  private static Process startRestore(Path out) throws Exception {
    List<String> cmd = new ArrayList<>(Launcher.tool("thin_restore"));
    cmd.addAll(List.of("-i", xml.toString(), "-o", out.toString()));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    p.getOutputStream().close();
    return p;
  }

  private static byte[] block(Path out, long b) throws Exception {
    byte[] buf = new byte[4096];
    try (RandomAccessFile f = new RandomAccessFile(out.toFile(), "r")) {
      f.seek(b * 4096);
      f.readFully(buf);
    }
    return buf;
  }

  /** Waits until {@code block} of {@code out} differs from {@code was}; false if it never does. */
  private static boolean awaitChange(Process p, Path out, long block, byte[] was) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (p.isAlive() && System.nanoTime() < deadline) {
      if (!Arrays.equals(block(out, block), was)) {
        return true;
      }
      Thread.sleep(2);
    }
    return false;
  }

  private static void kill(Process p, String signal) throws Exception {
    Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(p.pid())).start();
    assertEquals(0, kill.waitFor());
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "process ended");
    String output = new String(p.getInputStream().readAllBytes());
    assertNotEquals(0, p.exitValue(), () -> "killed before the end: " + output);
    assertFalse(output.contains("Exception"), output);
  }

  private static Path output(String name, byte[] image) throws Exception {
    Path out = dir.resolve(name);
    Files.write(out, image);
    try (RandomAccessFile f = new RandomAccessFile(out.toFile(), "rw")) {
      f.setLength(256L << 20); // sparse
    }
    return out;
  }

  /** Over valid old metadata: the old pool survives the signal untouched. */
  @ParameterizedTest
  @ValueSource(strings = {"TERM", "INT"})
  void signalDuringRestore_overValidMetadata_leavesTheOldPool(String signal) throws Exception {
    byte[] old = Files.readAllBytes(Fixtures.image("tmeta"));
    Path out = output("old-" + signal + ".bin", old);
    // A block well into the new pool: zero in the old image, so free in its space map, and
    // allocated (next fit, in order) after a few thousand new blocks.
    long probe = 3000;
    while (!Arrays.equals(
        Arrays.copyOfRange(old, (int) probe * 4096, (int) probe * 4096 + 4096), new byte[4096])) {
      probe++;
    }
    Process p = startRestore(out);
    assertTrue(awaitChange(p, out, probe, new byte[4096]), "restore started writing");
    kill(p, signal);
    assertArrayEquals(Arrays.copyOf(old, 4096), block(out, 0), "the old superblock");
    Cli.Result check = Cli.run("thin_check", out.toString());
    assertEquals(0, check.status(), check::toString);
    Cli.Result dump = Cli.run("thin_dump", out.toString());
    Cli.Result oldDump = Cli.run("thin_dump", Fixtures.image("tmeta").toString());
    assertEquals(oldDump.stdout(), dump.stdout());
    Files.deleteIfExists(out);
  }

  /** Over a superblock whose space map is unreadable: block 0 zeroed first, and stays so. */
  @ParameterizedTest
  @ValueSource(strings = {"TERM", "INT"})
  void signalDuringRestore_overUnreadableMetadata_leavesNoValidSuperblock(String signal)
      throws Exception {
    byte[] old = Files.readAllBytes(Fixtures.image("tmeta"));
    Superblock sb = Superblock.decode(ByteBuffer.wrap(old, 0, 4096).slice());
    old[(int) sb.metadataSmRoot().bitmapRoot() * 4096 + 2000] ^= 0x10;
    Path out = output("out-" + signal + ".bin", old);
    Process p = startRestore(out);
    assertTrue(awaitChange(p, out, 0, Arrays.copyOf(old, 4096)), "restore started writing");
    kill(p, signal);
    byte[] b0 = block(out, 0);
    assertFalse(Superblock.checksumOk(ByteBuffer.wrap(b0)), "no valid superblock");
    assertArrayEquals(new byte[4096], b0, "block 0 stays zeroed");
    Files.deleteIfExists(out);
  }
}
