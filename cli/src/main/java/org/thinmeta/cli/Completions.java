package org.thinmeta.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Supplier;
import org.thinmeta.cli.support.ToolCommand;
import picocli.AutoComplete;
import picocli.CommandLine;

/**
 * Build-time generator of shell completion scripts from the picocli model of every tool: {@code
 * thinmeta.bash} for bash and {@code _thinmeta} for zsh (through bashcompinit).
 */
public final class Completions {
  private Completions() {}

  /** Writes the completion files into the directory {@code args[0]}. */
  public static void main(String[] args) throws IOException {
    Path dir = Path.of(args[0]);
    Files.createDirectories(dir);
    String bash = bash();
    Files.writeString(dir.resolve("thinmeta.bash"), bash, StandardCharsets.UTF_8);
    Files.writeString(
        dir.resolve("_thinmeta"),
        "#compdef "
            + String.join(" ", Tools.all().keySet())
            + "\n# zsh completion for thinmeta, through bash completion compatibility.\n"
            + "autoload -U +X bashcompinit && bashcompinit\n"
            + bash,
        StandardCharsets.UTF_8);
  }

  /** The bash completion script for every tool. */
  static String bash() {
    StringBuilder sb = new StringBuilder();
    for (Map.Entry<String, Supplier<ToolCommand>> e : Tools.all().entrySet()) {
      CommandLine cl = new CommandLine(e.getValue().get());
      sb.append(AutoComplete.bash(e.getKey(), cl)).append('\n');
    }
    return sb.toString();
  }
}
