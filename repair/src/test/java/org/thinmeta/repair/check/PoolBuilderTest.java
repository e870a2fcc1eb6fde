package org.thinmeta.repair.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The test builder writes metadata the 0.9.0 reference accepts (when it is installed). */
class PoolBuilderTest {
  private static final Path REFERENCE = Path.of("/usr/sbin/thin_check");

  static String runReference(Path image, String... extra) throws Exception {
    String[] cmd = new String[extra.length + 2];
    cmd[0] = REFERENCE.toString();
    System.arraycopy(extra, 0, cmd, 1, extra.length);
    cmd[cmd.length - 1] = image.toString();
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    return p.waitFor() + "\n" + out;
  }

  @Test
  void referenceAcceptsBuiltPools(@TempDir Path dir) throws Exception {
    assumeTrue(Files.isExecutable(REFERENCE), "reference thin_check not installed");
    for (Pools.Pool p : new Pools.Pool[] {Pools.standard(), Pools.withSnapshot()}) {
      Path image = dir.resolve("pool.bin");
      write(p, image);

      String result = runReference(image);

      assertEquals("0", result.substring(0, result.indexOf('\n')), result);
    }
  }

  static void write(Pools.Pool p, Path image) throws IOException {
    Files.write(image, p.dev().toByteArray());
  }
}
