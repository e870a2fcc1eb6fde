package org.thinmeta.cli.commands;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.thinmeta.cli.support.ExitStatus;
import org.thinmeta.cli.support.InputChecks;
import org.thinmeta.cli.support.Messages;
import org.thinmeta.cli.support.OutputFiles;
import org.thinmeta.cli.support.ProgressReporter;
import org.thinmeta.cli.support.ToolCommand;
import org.thinmeta.cli.support.ToolException;
import org.thinmeta.cli.support.Version;
import org.thinmeta.pdata.io.DeviceBusyException;
import org.thinmeta.pdata.io.FileBlockDevice;
import org.thinmeta.repair.restore.Restorer;
import org.thinmeta.repair.salvage.Repair;
import org.thinmeta.repair.salvage.SalvagePlan;
import org.thinmeta.repair.salvage.Salvager;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * thin_repair: salvages damaged metadata and writes it as a fresh pool to an existing file or block
 * device (never the input), reporting on stderr what was recovered and lost.
 */
@Command(
    name = "thin_repair",
    header = "Repair thin-provisioning metadata, and write it to different device or file",
    mixinStandardHelpOptions = true,
    versionProvider = Version.class,
    sortOptions = false)
public final class ThinRepairCommand extends ToolCommand {
  @Option(
      names = {"-i", "--input"},
      required = true,
      paramLabel = "FILE",
      description = "The damaged metadata (file or block device), opened read-only.")
  String input;

  @Option(
      names = {"-o", "--output"},
      required = true,
      paramLabel = "FILE",
      description = "Existing file or block device to write the repaired metadata to.")
  String output;

  @Option(
      names = "--transaction-id",
      paramLabel = "NUM",
      converter = ThinRestoreCommand.Unsigned.class,
      description = "Transaction id (the larger of this and the one worked out is used).")
  Long transactionId;

  @Option(
      names = "--data-block-size",
      paramLabel = "SECTORS",
      converter = ThinRestoreCommand.Unsigned.class,
      description = "Data block size, needed only if nothing on the disk records it.")
  Long dataBlockSize;

  @Option(
      names = "--nr-data-blocks",
      paramLabel = "NUM",
      converter = ThinRestoreCommand.Unsigned.class,
      description = "Number of data blocks (the larger of this and the one worked out is used).")
  Long nrDataBlocks;

  @Option(
      names = "--report-json",
      paramLabel = "FILE",
      description = "Also write the report of what was recovered and lost as JSON to FILE.")
  String reportJson;

  @Option(
      names = {"-q", "--quiet"},
      description = "Suppress messages.")
  boolean quietFlag;

  @Option(names = "--io-engine", hidden = true)
  String ioEngine;

  @Option(names = "-v", hidden = true)
  boolean[] verbose;

  /** lvconvert passes an empty positional argument; it is accepted and ignored. */
  @Parameters(arity = "0..1", hidden = true)
  String ignored;

  @Override
  protected boolean quiet() {
    return quietFlag;
  }

  @Override
  protected int run() throws Exception {
    Path in = ctx.path(input);
    InputChecks.checkMetadataInput(in, false);
    Path out = ctx.path(output);
    checkOutput(out);
    try {
      if (Files.isSameFile(in, out)) {
        throw new ToolException("the input and the output are the same file: '" + output + "'");
      }
    } catch (IOException e) {
      throw new ToolException(Messages.of(e));
    }
    if (dataBlockSize != null && !Restorer.validDataBlockSize(dataBlockSize)) {
      throw new ToolException(
          "invalid data block size "
              + Long.toUnsignedString(dataBlockSize)
              + ": it must be a multiple of 128 sectors between 128 and 2097152");
    }
    SalvagePlan plan;
    try (FileBlockDevice src = open(in, FileBlockDevice.Mode.READ_ONLY);
        FileBlockDevice dst = open(out, FileBlockDevice.Mode.READ_WRITE)) {
      plan =
          Repair.repair(
              ctx.device(src),
              ctx.device(dst),
              new Salvager.Options(transactionId, dataBlockSize, nrDataBlocks),
              ProgressReporter.of(ctx, quietFlag));
    }
    for (String line : plan.reportLines()) {
      warn(line);
    }
    if (reportJson != null) {
      try (OutputFiles.Target t = OutputFiles.open(ctx.path(reportJson))) {
        OutputStream s = t.stream();
        s.write(plan.reportJson().getBytes(StandardCharsets.UTF_8));
        t.commit();
      } catch (IOException e) {
        throw new ToolException("cannot write the JSON report: " + Messages.of(e));
      }
    }
    return ExitStatus.OK;
  }

  private static FileBlockDevice open(Path p, FileBlockDevice.Mode mode)
      throws IOException, ToolException {
    try {
      return FileBlockDevice.open(p, mode, true);
    } catch (DeviceBusyException e) {
      throw new ToolException(
          Messages.of(e) + ": the device is in use (deactivate the pool before repairing)");
    }
  }

  private void checkOutput(Path out) throws ToolException {
    if (!Files.exists(out)) {
      throw new ToolException("Couldn't find output file '" + output + "'");
    }
    long size;
    try {
      if (FileBlockDevice.kindOf(out) == FileBlockDevice.Kind.OTHER) {
        throw new ToolException("Invalid output file: Not a block device or regular file");
      }
      size = FileBlockDevice.sizeOf(out);
    } catch (IOException e) {
      throw new ToolException("Invalid output file: " + Messages.of(e));
    }
    if (size < ThinRestoreCommand.MIN_OUTPUT_BYTES) {
      throw new ToolException("Output file too small.");
    }
  }
}
