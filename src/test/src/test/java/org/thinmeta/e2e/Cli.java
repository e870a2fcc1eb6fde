package org.thinmeta.e2e;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.util.function.UnaryOperator;
import org.thinmeta.cli.Main;
import org.thinmeta.cli.support.ToolContext;
import org.thinmeta.pdata.io.BlockDevice;

/** Runs a tool in process through the real entry point and captures everything. */
public final class Cli {
  private Cli() {}

  /** Exit status, stdout bytes and stderr text of one run. */
  public record Result(int status, byte[] stdoutBytes, String stderr) {
    /** Standard output as text. */
    public String stdout() {
      return new String(stdoutBytes, StandardCharsets.UTF_8);
    }

    @Override
    public String toString() {
      return "exit "
          + status
          + "\n--- stdout ---\n"
          + abbreviate(stdout())
          + "\n--- stderr ---\n"
          + stderr;
    }

    private static String abbreviate(String s) {
      return s.length() > 2000 ? s.substring(0, 2000) + "... (" + s.length() + " chars)" : s;
    }
  }

  /** Runs {@code tool args...} on the default file system. */
  public static Result run(String... args) {
    return runIn(FileSystems.getDefault(), "", args);
  }

  /** Runs {@code tool args...} in {@code fs}, with {@code stdin} as standard input. */
  public static Result runIn(FileSystem fs, String stdin, String... args) {
    return runWith(fs, stdin, UnaryOperator.identity(), args);
  }

  /**
   * Runs {@code tool args...} in {@code fs} with every metadata device passed through {@code
   * devices}.
   */
  public static Result runWith(FileSystem fs, UnaryOperator<BlockDevice> devices, String... args) {
    return runWith(fs, "", devices, args);
  }

  private static Result runWith(
      FileSystem fs, String stdin, UnaryOperator<BlockDevice> devices, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream errStream = new PrintStream(err, true, StandardCharsets.UTF_8);
    int status =
        Main.run(
            args,
            new ToolContext(
                out,
                errStream,
                new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
                fs,
                false,
                devices));
    errStream.flush();
    return new Result(status, out.toByteArray(), err.toString(StandardCharsets.UTF_8));
  }
}
