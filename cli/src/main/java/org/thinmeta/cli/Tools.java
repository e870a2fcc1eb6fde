package org.thinmeta.cli;

import java.util.LinkedHashMap;
import java.util.List;
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

/**
 * The registry of tools, by their reference names. Add a name and a case here for each new command.
 *
 * <p>A switch rather than a map of constructor references: each method reference is an
 * invokedynamic call site that the JVM links at first use, and linking a dozen of them cost 10-15
 * ms of every start (the tools run at every pool activation).
 */
public final class Tools {
  private static final List<String> NAMES =
      List.of(
          "thin_dump",
          "thin_check",
          "thin_ls",
          "thin_delta",
          "thin_rmap",
          "thin_trim",
          "thin_metadata_pack",
          "thin_metadata_unpack",
          "thin_metadata_size",
          "thin_generate_metadata",
          "thin_restore",
          "thin_repair");

  private Tools() {}

  /** The tools' names, in a stable order. */
  public static List<String> names() {
    return NAMES;
  }

  /** A new command for the tool {@code name}, or null if there is no such tool. */
  public static ToolCommand create(String name) {
    return switch (name) {
      case "thin_dump" -> new ThinDumpCommand();
      case "thin_check" -> new ThinCheckCommand();
      case "thin_ls" -> new ThinLsCommand();
      case "thin_delta" -> new ThinDeltaCommand();
      case "thin_rmap" -> new ThinRmapCommand();
      case "thin_trim" -> new ThinTrimCommand();
      case "thin_metadata_pack" -> new ThinMetadataPackCommand();
      case "thin_metadata_unpack" -> new ThinMetadataUnpackCommand();
      case "thin_metadata_size" -> new ThinMetadataSizeCommand();
      case "thin_generate_metadata" -> new ThinGenerateMetadataCommand();
      case "thin_restore" -> new ThinRestoreCommand();
      case "thin_repair" -> new ThinRepairCommand();
      default -> null;
    };
  }

  /** Every tool with a factory of its command, in the order of {@link #names}. */
  public static Map<String, Supplier<ToolCommand>> all() {
    Map<String, Supplier<ToolCommand>> out = new LinkedHashMap<>();
    for (String name : NAMES) {
      out.put(name, () -> create(name));
    }
    return out;
  }
}
