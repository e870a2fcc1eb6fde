package org.thinmeta.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The 0.9.0 reference tools (Debian thin-provisioning-tools), when installed. Tests only. */
public final class Reference {
  private Reference() {}

  /**
   * True if the reference {@code thin_dump} is on this machine. {@code -Dthinmeta.noReference=true}
   * pretends it is not, to exercise the fallbacks to stored dumps.
   */
  public static boolean available() {
    return find("thin_dump") != null;
  }

  /** The path of a reference tool, or null. */
  public static Path find(String tool) {
    if (Boolean.getBoolean("thinmeta.noReference")) {
      return null;
    }
    for (String dir : List.of("/usr/sbin", "/sbin", "/usr/bin")) {
      Path p = Path.of(dir, tool);
      if (Files.isExecutable(p)) {
        return p;
      }
    }
    return null;
  }

  /** Runs a reference tool and captures its output (stdout to a temp file: it may be large). */
  public static Cli.Result run(String tool, String... args)
      throws IOException, InterruptedException {
    Path exe = find(tool);
    if (exe == null) {
      throw new IllegalStateException("reference " + tool + " is not installed");
    }
    List<String> cmd = new ArrayList<>();
    cmd.add(exe.toString());
    cmd.addAll(List.of(args));
    Path out = Files.createTempFile("ref-out", ".txt");
    Path err = Files.createTempFile("ref-err", ".txt");
    try {
      Process p =
          new ProcessBuilder(cmd)
              .redirectOutput(out.toFile())
              .redirectError(err.toFile())
              .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
              .start();
      if (!p.waitFor(10, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        throw new IOException("reference " + tool + " timed out");
      }
      return new Cli.Result(
          p.exitValue(), Files.readAllBytes(out), Files.readString(err, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }
}
