package org.thinmeta.cli.commands;

import java.nio.file.Path;
import org.thinmeta.cli.support.ExitStatus;
import org.thinmeta.cli.support.InputChecks;
import org.thinmeta.cli.support.OutputFiles;
import org.thinmeta.cli.support.ToolCommand;
import org.thinmeta.cli.support.Version;
import org.thinmeta.pdata.io.FileBlockDevice;
import org.thinmeta.thin.pack.Packer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** thin_metadata_pack: writes every checksummed metadata block to a compressed pack file. */
@Command(
    name = "thin_metadata_pack",
    header =
        "Produces a compressed file of thin metadata.  Only packs metadata blocks that are"
            + " actually used.",
    mixinStandardHelpOptions = true,
    versionProvider = Version.class,
    sortOptions = false)
public final class ThinMetadataPackCommand extends ToolCommand {
  @Option(
      names = {"-i", "--input"},
      paramLabel = "DEV",
      required = true,
      description = "Metadata device or file to pack.")
  String input;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "FILE",
      required = true,
      description = "Pack file to write.")
  String output;

  @Option(
      names = {"-f", "--force"},
      description = "Overwrite an output that holds metadata without asking.")
  boolean force;

  @Override
  protected int run() throws Exception {
    Path in = ctx.path(input);
    Path out = ctx.path(output);
    InputChecks.checkMetadataInput(in, true);
    Destinations.checkParentExists(out);
    Destinations.confirmOverwrite(ctx, out, force);
    int threads = Math.min(4, Runtime.getRuntime().availableProcessors());
    try (FileBlockDevice dev = FileBlockDevice.open(in, FileBlockDevice.Mode.READ_ONLY, true);
        OutputFiles.Target t = OutputFiles.open(out)) {
      new Packer(threads).pack(ctx.device(dev), t.stream());
      t.commit();
    }
    return ExitStatus.OK;
  }
}
