package org.thinmeta.cli.commands;

import java.nio.file.Files;
import java.nio.file.Path;
import org.thinmeta.cli.support.ExitStatus;
import org.thinmeta.cli.support.InputChecks;
import org.thinmeta.cli.support.ToolCommand;
import org.thinmeta.cli.support.ToolException;
import org.thinmeta.cli.support.Version;
import org.thinmeta.pdata.io.FileBlockDevice;
import org.thinmeta.repair.trim.DataTrimmer;
import org.thinmeta.repair.trim.Discarder;
import org.thinmeta.repair.trim.FullCheck;
import org.thinmeta.repair.trim.TrimPreCheck;
import org.thinmeta.repair.trim.UtilLinuxDiscarder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * thin_trim: discards the data blocks an inactive pool does not use. Both devices are opened
 * exclusively, so a pool the kernel holds is refused; the metadata is checked first and nothing is
 * discarded unless the check passes (exit 65 otherwise).
 */
@Command(
    name = "thin_trim",
    header = "Issue discard requests for free pool space (offline tool).",
    mixinStandardHelpOptions = true,
    versionProvider = Version.class,
    sortOptions = false)
public final class ThinTrimCommand extends ToolCommand {
  /** The two lines printed when the pre-trim check fails. */
  static final String CHECK_FAILED =
      "metadata contains errors (run thin_check for details).\n"
          + "perhaps you need to run thin_repair.";

  @Option(
      names = "--metadata-dev",
      paramLabel = "FILE",
      required = true,
      description = "The pool's metadata device or file.")
  String metadataDev;

  @Option(
      names = "--data-dev",
      paramLabel = "FILE",
      required = true,
      description = "The pool's data device or file.")
  String dataDev;

  @Option(
      names = {"-q", "--quiet"},
      description = "Print no messages.")
  boolean quietFlag;

  @Option(names = "--pool-inactive", hidden = true, description = "Accepted for compatibility.")
  boolean poolInactive;

  @Option(names = "--io-engine", hidden = true)
  String ioEngine;

  @Option(names = "-v", hidden = true)
  boolean[] verbose;

  private final TrimPreCheck preCheck;

  /** The command with the check run before trimming. */
  public ThinTrimCommand() {
    this(new FullCheck());
  }

  /** The command with another pre-trim check (tests; the full thin_check). */
  public ThinTrimCommand(TrimPreCheck preCheck) {
    this.preCheck = preCheck;
  }

  @Override
  protected boolean quiet() {
    return quietFlag;
  }

  @Override
  protected int run() throws Exception {
    Path meta = ctx.path(metadataDev);
    Path data = ctx.path(dataDev);
    InputChecks.checkMetadataInput(meta, true);
    if (!Files.exists(data)) {
      throw new ToolException("Couldn't find data device '" + data + "'");
    }
    FileBlockDevice.Kind kind = FileBlockDevice.kindOf(data);
    if (kind == FileBlockDevice.Kind.OTHER) {
      throw new ToolException("Not a block device or regular file '" + data + "'.");
    }
    try (FileBlockDevice dev = FileBlockDevice.open(meta, FileBlockDevice.Mode.READ_ONLY, true);
        FileBlockDevice held = FileBlockDevice.open(data, FileBlockDevice.Mode.READ_ONLY, true)) {
      if (preCheck.problem(dev) != null) {
        throw new ToolException(CHECK_FAILED, ExitStatus.CHECK_FAILED);
      }
      Discarder discarder =
          kind == FileBlockDevice.Kind.BLOCK_DEVICE
              ? UtilLinuxDiscarder.forBlockDevice(data)
              : UtilLinuxDiscarder.forRegularFile(data);
      DataTrimmer.trim(dev, FileBlockDevice.sizeOf(data), discarder);
    }
    return ExitStatus.OK;
  }
}
