package org.thinmeta.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.thinmeta.cli.support.Version;

/** The launcher script and its links, run as real processes. */
class LauncherTest {
  private static final String REPO = Fixtures.repo().toString();

  private static void assumeJar() {
    assumeTrue(
        Launcher.jarIsFresh(),
        "cli/target/thinmeta.jar is missing or stale: run 'mvn package' (verify builds it)");
  }

  @Test
  void thinmetaAlone_listsTheTools() throws Exception {
    assumeJar();

    Cli.Result r = Launcher.run(List.of(REPO + "/bin/thinmeta"));

    assertEquals(0, r.status(), r::toString);
    assertTrue(r.stdout().startsWith("Usage: thinmeta TOOL [OPTIONS]\nTools:\n"), r::toString);
    assertTrue(r.stdout().contains("\n  thin_dump\n"), r::toString);
    assertEquals("", r.stderr());
  }

  @Test
  void links_dispatchOnTheirOwnName() throws Exception {
    assumeJar();

    Cli.Result viaLink = Launcher.run(List.of(REPO + "/bin/thin_dump", "-V"));
    Cli.Result viaArg = Launcher.run(List.of(REPO + "/bin/thinmeta", "thin_dump", "--version"));

    assertEquals(Version.get() + "\n", viaLink.stdout(), viaLink::toString);
    assertEquals(0, viaLink.status());
    assertEquals("", viaLink.stderr());
    assertEquals(Version.get() + "\n", viaArg.stdout(), viaArg::toString);
    assertTrue(Files.isSymbolicLink(Path.of(REPO, "bin/thin_dump")));
  }

  @Test
  void everyThinLink_pointsAtTheLauncher() throws Exception {
    List<String> names = new ArrayList<>();
    try (var s = Files.list(Path.of(REPO, "bin"))) {
      s.filter(p -> p.getFileName().toString().startsWith("thin_"))
          .forEach(
              p -> {
                names.add(p.getFileName().toString());
              });
    }

    assertTrue(names.contains("thin_dump"), names::toString);
    for (String n : names) {
      Path link = Path.of(REPO, "bin", n);
      assertTrue(Files.isSymbolicLink(link), n);
      assertEquals(Path.of("thinmeta"), Files.readSymbolicLink(link), n);
    }
  }

  @Test
  void closedPipe_endsTheDumpQuietly() throws Exception {
    assumeTrue(Fixtures.available(), "shared fixtures missing");
    Path image = Fixtures.image("tmeta"); // its dump is megabytes: far more than a pipe holds
    List<String> dump = new ArrayList<>(Launcher.tool("thin_dump"));
    dump.add(image.toString());
    StringBuilder line = new StringBuilder();
    for (String a : dump) {
      line.append('\'').append(a.replace("'", "'\\''")).append("' ");
    }
    String script = line + "| head -c 100 >/dev/null; echo \"exit ${PIPESTATUS[0]}\"";

    Cli.Result r = Launcher.run(List.of("bash", "-c", script));

    assertEquals("", r.stderr(), "the dump must not complain about the closed pipe");
    assertEquals("exit 64\n", r.stdout(), r::toString);
  }
}
