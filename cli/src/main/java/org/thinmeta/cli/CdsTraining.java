package org.thinmeta.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.util.function.Supplier;
import org.thinmeta.cli.support.ToolCommand;
import org.thinmeta.cli.support.ToolContext;

/**
 * The training run behind the class-data sharing archive built at package time ({@code thinmeta
 * --cds-training}): parses every tool's options and prints its help into memory, so that the
 * classes a tool needs before it touches metadata are in the archive.
 */
final class CdsTraining {
  private CdsTraining() {}

  /** Exercises every tool's start-up path; returns 0. */
  static int run() throws IOException {
    for (Supplier<ToolCommand> tool : Tools.all().values()) {
      ByteArrayOutputStream sink = new ByteArrayOutputStream();
      PrintStream err = new PrintStream(sink, true, StandardCharsets.UTF_8);
      ToolContext ctx =
          new ToolContext(
              sink,
              err,
              new java.io.ByteArrayInputStream(new byte[0]),
              FileSystems.getDefault(),
              false);
      ToolCommand command = tool.get();
      command.setContext(ctx);
      Main.execute(command, new String[] {"--help"}, ctx);
      ToolCommand again = tool.get();
      again.setContext(ctx);
      Main.execute(again, new String[] {"--no-such-option"}, ctx);
    }
    return 0;
  }
}
