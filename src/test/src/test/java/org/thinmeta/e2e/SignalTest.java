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
 * SIGINT/SIGTERM while thin_restore writes, through the launcher: the process dies and the output
 * has no valid superblock (restore invalidates block 0 before writing anything else and writes the
 * new superblock last).
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

  @ParameterizedTest
  @ValueSource(strings = {"TERM", "INT"})
  void signalDuringRestore_leavesNoValidSuperblock(String signal) throws Exception {
    Path out = dir.resolve("out-" + signal + ".bin");
    byte[] old = Files.readAllBytes(Fixtures.image("tmeta"));
    Files.write(out, old);
    try (RandomAccessFile f = new RandomAccessFile(out.toFile(), "rw")) {
      f.setLength(256L << 20); // sparse
    }
    List<String> cmd = new ArrayList<>(Launcher.tool("thin_restore"));
    cmd.addAll(List.of("-i", xml.toString(), "-o", out.toString()));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    p.getOutputStream().close();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    boolean invalidated = false;
    while (p.isAlive() && System.nanoTime() < deadline) {
      byte[] b0 = new byte[4096];
      try (RandomAccessFile f = new RandomAccessFile(out.toFile(), "r")) {
        f.readFully(b0);
      }
      if (!Arrays.equals(b0, 0, 4096, old, 0, 4096)) {
        invalidated = true;
        break;
      }
      Thread.sleep(2);
    }
    assertTrue(invalidated, "restore started writing");
    Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(p.pid())).start();
    assertEquals(0, kill.waitFor());
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "process ended");
    String output = new String(p.getInputStream().readAllBytes());
    assertNotEquals(0, p.exitValue(), () -> "killed before the end: " + output);
    assertFalse(output.contains("Exception"), output);
    byte[] b0 = new byte[4096];
    try (RandomAccessFile f = new RandomAccessFile(out.toFile(), "r")) {
      f.readFully(b0);
    }
    assertFalse(Superblock.checksumOk(ByteBuffer.wrap(b0)), "no valid superblock");
    assertArrayEquals(new byte[4096], b0, "block 0 stays zeroed");
    Files.deleteIfExists(out);
  }
}
