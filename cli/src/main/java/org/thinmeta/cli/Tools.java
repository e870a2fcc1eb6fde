package org.thinmeta.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.thinmeta.cli.commands.ThinDumpCommand;
import org.thinmeta.cli.commands.ThinGenerateMetadataCommand;
import org.thinmeta.cli.support.ToolCommand;

/** The registry of tools, by their reference names. Add a line here for each new command. */
public final class Tools {
  private static final Map<String, Supplier<ToolCommand>> TOOLS = new LinkedHashMap<>();

  static {
    TOOLS.put("thin_dump", ThinDumpCommand::new);
    TOOLS.put("thin_generate_metadata", ThinGenerateMetadataCommand::new);
  }

  private Tools() {}

  /** Every tool, in a stable order. */
  public static Map<String, Supplier<ToolCommand>> all() {
    return TOOLS;
  }
}
