package org.thinmeta.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.thinmeta.cli.commands.ThinCheckCommand;
import org.thinmeta.cli.commands.ThinDeltaCommand;
import org.thinmeta.cli.commands.ThinDumpCommand;
import org.thinmeta.cli.commands.ThinGenerateMetadataCommand;
import org.thinmeta.cli.commands.ThinLsCommand;
import org.thinmeta.cli.commands.ThinMetadataPackCommand;
import org.thinmeta.cli.commands.ThinMetadataSizeCommand;
import org.thinmeta.cli.commands.ThinMetadataUnpackCommand;
import org.thinmeta.cli.commands.ThinRepairCommand;
import org.thinmeta.cli.commands.ThinRestoreCommand;
import org.thinmeta.cli.commands.ThinRmapCommand;
import org.thinmeta.cli.commands.ThinTrimCommand;
import org.thinmeta.cli.support.ToolCommand;

/** The registry of tools, by their reference names. Add a line here for each new command. */
public final class Tools {
  private static final Map<String, Supplier<ToolCommand>> TOOLS = new LinkedHashMap<>();

  static {
    TOOLS.put("thin_dump", ThinDumpCommand::new);
    TOOLS.put("thin_check", ThinCheckCommand::new);
    TOOLS.put("thin_ls", ThinLsCommand::new);
    TOOLS.put("thin_delta", ThinDeltaCommand::new);
    TOOLS.put("thin_rmap", ThinRmapCommand::new);
    TOOLS.put("thin_trim", ThinTrimCommand::new);
    TOOLS.put("thin_metadata_pack", ThinMetadataPackCommand::new);
    TOOLS.put("thin_metadata_unpack", ThinMetadataUnpackCommand::new);
    TOOLS.put("thin_metadata_size", ThinMetadataSizeCommand::new);
    TOOLS.put("thin_generate_metadata", ThinGenerateMetadataCommand::new);
    TOOLS.put("thin_restore", ThinRestoreCommand::new);
    TOOLS.put("thin_repair", ThinRepairCommand::new);
  }

  private Tools() {}

  /** Every tool, in a stable order. */
  public static Map<String, Supplier<ToolCommand>> all() {
    return TOOLS;
  }
}
