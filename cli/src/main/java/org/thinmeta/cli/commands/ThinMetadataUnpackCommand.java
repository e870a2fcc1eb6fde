package org.thinmeta.cli.commands;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.BitSet;
import org.thinmeta.cli.support.ExitStatus;
import org.thinmeta.cli.support.ToolCommand;
import org.thinmeta.cli.support.ToolException;
import org.thinmeta.cli.support.Version;
import org.thinmeta.pdata.io.BlockDevice;
import org.thinmeta.pdata.io.Blocks;
import org.thinmeta.pdata.io.FileBlockDevice;
import org.thinmeta.thin.pack.PackHeader;
import org.thinmeta.thin.pack.Unpacker;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * thin_metadata_unpack: rebuilds a metadata image from a pack file. A regular-file output is
 * written beside its final name and renamed into place only when the whole pack was read; a block
 * device is written in place, with the blocks the pack leaves out zeroed.
 */
@Command(
    name = "thin_metadata_unpack",
    header = "Unpack a compressed file of thin metadata.",
    mixinStandardHelpOptions = true,
    versionProvider = Version.class,
    sortOptions = false)
public final class ThinMetadataUnpackCommand extends ToolCommand {
  @Option(
      names = {"-i", "--input"},
      paramLabel = "FILE",
      required = true,
      description = "Pack file to read.")
  String input;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "DEV",
      required = true,
      description = "Metadata device or file to write.")
  String output;

  @Option(
      names = {"-f", "--force"},
      description = "Overwrite an output that holds metadata without asking.")
  boolean force;

  @Override
  protected int run() throws Exception {
    Path in = ctx.path(input);
    Path out = ctx.path(output);
    if (!Files.exists(in)) {
      throw new ToolException("Couldn't find input file '" + in + "'");
    }
    try (InputStream s = new BufferedInputStream(Files.newInputStream(in), 1 << 16)) {
      Unpacker u = new Unpacker(s);
      PackHeader h = u.readHeader();
      Destinations.checkParentExists(out);
      Destinations.confirmOverwrite(ctx, out, force);
      FileBlockDevice.Kind kind =
          Files.exists(out) ? FileBlockDevice.kindOf(out) : FileBlockDevice.Kind.REGULAR;
      if (kind == FileBlockDevice.Kind.OTHER) {
        throw new ToolException("Not a block device or regular file '" + out + "'.");
      }
      if (kind == FileBlockDevice.Kind.BLOCK_DEVICE) {
        unpackToBlockDevice(u, h, out);
      } else {
        unpackToFile(u, h, out);
      }
    }
    return ExitStatus.OK;
  }

  private void unpackToFile(Unpacker u, PackHeader h, Path out) throws IOException {
    Path abs = out.toAbsolutePath();
    // createFile (unlike createTempFile) gives the file the umask's permissions, as a plain
    // create would.
    Path tmp =
        abs.resolveSibling(
            "." + abs.getFileName() + "." + Long.toHexString(System.nanoTime()) + ".tmp");
    Files.createFile(tmp);
    try {
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        if (h.nrBlocks() > 0) {
          ch.write(ByteBuffer.allocate(Blocks.BLOCK_SIZE), (h.nrBlocks() - 1) * Blocks.BLOCK_SIZE);
        }
      }
      try (FileBlockDevice opened =
          FileBlockDevice.open(tmp, FileBlockDevice.Mode.READ_WRITE, false)) {
        BlockDevice dev = ctx.device(opened);
        u.unpackTo(dev);
        dev.flush();
      }
      Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private void unpackToBlockDevice(Unpacker u, PackHeader h, Path out)
      throws IOException, ToolException {
    try (FileBlockDevice opened =
        FileBlockDevice.open(out, FileBlockDevice.Mode.READ_WRITE, true)) {
      BlockDevice dev = ctx.device(opened);
      if (dev.nrBlocks() < h.nrBlocks()) {
        throw new ToolException(
            "output device too small: "
                + dev.nrBlocks()
                + " blocks, the pack needs "
                + h.nrBlocks());
      }
      if (h.nrBlocks() > Integer.MAX_VALUE) {
        throw new ToolException("pack describes too many blocks: " + h.nrBlocks());
      }
      BitSet written = new BitSet((int) h.nrBlocks());
      u.forEachRecord(
          (blocknr, block, stream, from, to) -> {
            dev.write(blocknr, block);
            written.set((int) blocknr);
          });
      ByteBuffer zero = Blocks.allocate();
      for (int b = written.nextClearBit(0); b < h.nrBlocks(); b = written.nextClearBit(b + 1)) {
        dev.write(b, zero);
      }
      dev.flush();
    }
  }
}
