package org.thinmeta.cli.commands;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.thinmeta.cli.support.ExitStatus;
import org.thinmeta.cli.support.Messages;
import org.thinmeta.cli.support.ToolCommand;
import org.thinmeta.cli.support.ToolException;
import org.thinmeta.cli.support.Version;
import org.thinmeta.pdata.io.Blocks;
import org.thinmeta.pdata.io.FileBlockDevice;
import org.thinmeta.repair.restore.Restorer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * thin_restore: writes binary metadata from thin_dump XML into an existing file or block device,
 * which is neither truncated nor extended (format doc §9.1).
 */
@Command(
    name = "thin_restore",
    header = "Convert XML format metadata to binary.",
    mixinStandardHelpOptions = true,
    versionProvider = Version.class,
    sortOptions = false)
public final class ThinRestoreCommand extends ToolCommand {
  /** The smallest output accepted: the 10 blocks of a one-device pool. */
  public static final long MIN_OUTPUT_BYTES = 10L * Blocks.BLOCK_SIZE;

  @Option(
      names = {"-i", "--input"},
      required = true,
      paramLabel = "FILE",
      description = "XML metadata to read.")
  String input;

  @Option(
      names = {"-o", "--output"},
      required = true,
      paramLabel = "FILE",
      description = "Existing file or block device to write the metadata to.")
  String output;

  @Option(
      names = "--transaction-id",
      paramLabel = "NUM",
      converter = Unsigned.class,
      description = "Override the transaction id (the larger of this and the XML's is used).")
  Long transactionId;

  @Option(
      names = "--data-block-size",
      paramLabel = "SECTORS",
      converter = Unsigned.class,
      description = "Override the data block size (a multiple of 128 in [128, 2097152]).")
  Long dataBlockSize;

  @Option(
      names = "--nr-data-blocks",
      paramLabel = "NUM",
      converter = Unsigned.class,
      description =
          "Override the number of data blocks (the larger of this and the XML's is used).")
  Long nrDataBlocks;

  @Option(
      names = {"-q", "--quiet"},
      description = "Suppress error messages.")
  boolean quietFlag;

  @Option(names = "--io-engine", hidden = true)
  String ioEngine;

  @Option(names = "-v", hidden = true)
  boolean[] verbose;

  /** Parses an unsigned 64-bit decimal: no sign, no spaces. */
  public static final class Unsigned implements CommandLine.ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
      if (value.isEmpty() || !value.chars().allMatch(c -> c >= '0' && c <= '9')) {
        throw new CommandLine.TypeConversionException(
            "'" + value + "' is not an unsigned decimal number");
      }
      try {
        return Long.parseUnsignedLong(value);
      } catch (NumberFormatException e) {
        throw new CommandLine.TypeConversionException("'" + value + "' is too large");
      }
    }
  }

  @Override
  protected boolean quiet() {
    return quietFlag;
  }

  @Override
  protected int run() throws Exception {
    Path in = ctx.path(input);
    if (!Files.exists(in)) {
      throw new ToolException("Couldn't find input file '" + input + "'");
    }
    Path out = ctx.path(output);
    checkOutput(out);
    if (dataBlockSize != null && !Restorer.validDataBlockSize(dataBlockSize)) {
      throw new ToolException(
          "invalid data block size "
              + Long.toUnsignedString(dataBlockSize)
              + ": it must be a multiple of 128 sectors between 128 and 2097152");
    }
    Restorer.Options options = new Restorer.Options(transactionId, dataBlockSize, nrDataBlocks);
    org.thinmeta.pdata.Progress progress =
        org.thinmeta.cli.support.ProgressReporter.of(ctx, quietFlag);
    progress.begin("Restoring thin metadata", Files.size(in));
    try (InputStream xml =
            new org.thinmeta.cli.support.ProgressInputStream(
                new BufferedInputStream(Files.newInputStream(in), 1 << 16), progress);
        FileBlockDevice dev = FileBlockDevice.open(out, FileBlockDevice.Mode.READ_WRITE, true)) {
      Restorer.restore(xml, ctx.device(dev), options);
    }
    return ExitStatus.OK;
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
    if (size < MIN_OUTPUT_BYTES) {
      throw new ToolException("Output file too small.");
    }
  }
}
