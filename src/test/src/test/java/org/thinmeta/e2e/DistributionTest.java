package org.thinmeta.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.thinmeta.cli.Tools;

/** The tarball built by {@code mvn package} unpacks, installs and runs. */
class DistributionTest {
  @TempDir Path tmp;

  record Run(int status, byte[] out, String err) {}

  static Run sh(Path dir, String... cmd) throws Exception {
    Process p =
        new ProcessBuilder(cmd)
            .directory(dir.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
            .start();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    Thread t =
        new Thread(
            () -> {
              try {
                p.getErrorStream().transferTo(err);
              } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            });
    t.start();
    byte[] out = p.getInputStream().readAllBytes();
    assertTrue(p.waitFor(2, TimeUnit.MINUTES), String.join(" ", cmd));
    t.join();
    return new Run(p.exitValue(), out, err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void tarball_installsAndRuns() throws Exception {
    Path tarball = Fixtures.repo().resolve("cli/target/thinmeta-1.0.0.tar.gz");
    assumeTrue(Files.exists(tarball), "run through mvn package/verify to build the tarball");
    assumeTrue(Fixtures.available(), "shared fixtures missing");
    Run untar = sh(tmp, "tar", "-xzf", tarball.toString());
    assertEquals(0, untar.status(), untar.err());
    Path prefix = tmp.resolve("p");
    Run install =
        sh(tmp, "sh", tmp.resolve("thinmeta-1.0.0/install.sh").toString(), prefix.toString());
    assertEquals(0, install.status(), install.err());
    for (String tool : Tools.all().keySet()) {
      assertTrue(Files.isExecutable(prefix.resolve("sbin/" + tool)), tool + " link");
      assertTrue(Files.exists(prefix.resolve("share/man/man8/" + tool + ".8")), tool + " man");
    }
    String image = Fixtures.image("tmeta_with_shared_internal_root").toString();
    Run dump = sh(tmp, prefix.resolve("sbin/thin_dump").toString(), image);
    assertEquals(0, dump.status(), dump.err());
    assertEquals("", dump.err());
    assertArrayEquals(Fixtures.stored("tmeta_with_shared_internal_root.dump.xml"), dump.out());
    Run version = sh(tmp, prefix.resolve("sbin/thinmeta").toString(), "thin_dump", "-V");
    assertEquals("1.0.0\n", new String(version.out(), StandardCharsets.UTF_8));
    if (Files.isExecutable(Path.of("/usr/bin/man"))) {
      Run man =
          sh(tmp, "man", "-M", prefix.resolve("share/man").toString(), "-P", "cat", "thin_dump");
      assertEquals(0, man.status(), man.err());
      assertTrue(new String(man.out(), StandardCharsets.UTF_8).contains("thin_dump"));
    }
    assertTrue(
        Files.exists(prefix.resolve("share/bash-completion/completions/thinmeta")), "completion");
    List<String> bash =
        Files.readAllLines(prefix.resolve("share/bash-completion/completions/thinmeta"));
    assertTrue(bash.stream().anyMatch(l -> l.contains("--skip-mappings")), "options completed");
  }
}
