package org.thinmeta.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Runs the real launcher ({@code bin/thinmeta} and its {@code thin_*} links) as a subprocess, for
 * what only a process shows: dispatch on the link name, exit codes, closed pipes.
 *
 * <p>The launcher runs {@code cli/target/thinmeta.jar}, which {@code mvn package} builds before
 * this module's tests run (this module depends on thinmeta-cli, so the reactor builds cli first).
 * Under {@code mvn test} the jar is missing or older than the classes; {@link #jarIsFresh} tells,
 * and {@link #tool} then runs the same entry point from the test class path instead.
 */
public final class Launcher {
  private Launcher() {}

  /** The multi-call jar the launcher runs. */
  public static Path jar() {
    return Fixtures.repo().resolve("cli/target/thinmeta.jar");
  }

  /** True if the jar exists and is at least as new as every compiled class of the tools. */
  public static boolean jarIsFresh() {
    Path jar = jar();
    if (!Files.isRegularFile(jar)) {
      return false;
    }
    try {
      FileTime built = Files.getLastModifiedTime(jar);
      for (String module : List.of("btree", "metadata-format", "repair", "cli")) {
        Path classes = Fixtures.repo().resolve(module + "/target/classes");
        if (!Files.isDirectory(classes)) {
          continue;
        }
        try (Stream<Path> s = Files.walk(classes)) {
          boolean newer =
              s.filter(Files::isRegularFile)
                  .anyMatch(
                      p -> {
                        try {
                          return Files.getLastModifiedTime(p).compareTo(built) > 0;
                        } catch (IOException e) {
                          throw new UncheckedIOException(e);
                        }
                      });
          if (newer) {
            return false;
          }
        }
      }
      return true;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The command that runs {@code tool}: its launcher link when the jar is fresh, else the same
   * entry point on this JVM's class path.
   */
  public static List<String> tool(String tool) {
    List<String> cmd = new ArrayList<>();
    if (jarIsFresh()) {
      cmd.add(Fixtures.repo().resolve("bin/" + tool).toString());
    } else {
      cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      cmd.add("-cp");
      cmd.add(System.getProperty("java.class.path"));
      cmd.add("org.thinmeta.cli.Main");
      cmd.add(tool);
    }
    return cmd;
  }

  /** Runs a command line and captures its output (stdout to a file: it may be large). */
  public static Cli.Result run(List<String> cmd) throws IOException, InterruptedException {
    Path out = Files.createTempFile("launcher-out", ".txt");
    Path err = Files.createTempFile("launcher-err", ".txt");
    try {
      Process p =
          new ProcessBuilder(cmd)
              .redirectOutput(out.toFile())
              .redirectError(err.toFile())
              .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
              .start();
      if (!p.waitFor(5, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        throw new IOException("timed out: " + cmd);
      }
      return new Cli.Result(
          p.exitValue(), Files.readAllBytes(out), Files.readString(err, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }
}
