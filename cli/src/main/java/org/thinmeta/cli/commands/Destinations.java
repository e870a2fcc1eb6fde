package org.thinmeta.cli.commands;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import org.thinmeta.cli.support.ToolContext;
import org.thinmeta.cli.support.ToolException;
import org.thinmeta.pdata.checksum.BlockKind;
import org.thinmeta.pdata.checksum.Checksums;
import org.thinmeta.pdata.io.Blocks;
import org.thinmeta.pdata.io.FileBlockDevice;

/**
 * The overwrite protection of thin_metadata_pack and thin_metadata_unpack (format doc §10.6): an
 * output whose first block is a valid thin, cache or era superblock is only overwritten with {@code
 * -f} or after the user answers yes.
 */
final class Destinations {
  static final String PROMPT =
      "The destination appears to already contain metadata, are you sure? [y/n]: ";

  private Destinations() {}

  /**
   * Asks before overwriting metadata at {@code out}, unless {@code force}.
   *
   * @throws ToolException {@code Output file not overwritten} if the user does not agree
   */
  static void confirmOverwrite(ToolContext ctx, Path out, boolean force)
      throws ToolException, IOException {
    if (force || !holdsMetadata(out)) {
      return;
    }
    ctx.err().print(PROMPT);
    ctx.err().flush();
    String answer = readLine(ctx.in()).trim().toLowerCase(Locale.ROOT);
    if (!answer.equals("y") && !answer.equals("yes")) {
      throw new ToolException("Output file not overwritten");
    }
  }

  /** True if {@code path} is a regular file or block device whose block 0 is a superblock. */
  static boolean holdsMetadata(Path path) throws IOException {
    if (!Files.exists(path)) {
      return false;
    }
    FileBlockDevice.Kind kind = FileBlockDevice.kindOf(path);
    if (kind == FileBlockDevice.Kind.OTHER || FileBlockDevice.sizeOf(path) < Blocks.BLOCK_SIZE) {
      return false;
    }
    ByteBuffer b;
    if (kind == FileBlockDevice.Kind.BLOCK_DEVICE) {
      try (FileBlockDevice dev =
          FileBlockDevice.open(path, FileBlockDevice.Mode.READ_ONLY, false)) {
        b = dev.read(0);
      }
    } else {
      b = ByteBuffer.allocate(Blocks.BLOCK_SIZE).order(ByteOrder.LITTLE_ENDIAN);
      try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
        while (b.hasRemaining() && ch.read(b, b.position()) > 0) {
          // keep reading
        }
      }
      b.flip();
      if (b.remaining() < Blocks.BLOCK_SIZE) {
        return false;
      }
    }
    BlockKind k = Checksums.classify(b);
    return k == BlockKind.THIN_SUPERBLOCK
        || k == BlockKind.CACHE_SUPERBLOCK
        || k == BlockKind.ERA_SUPERBLOCK;
  }

  /** Reads one line without buffering beyond it (the rest of stdin stays unread). */
  private static String readLine(InputStream in) throws IOException {
    StringBuilder sb = new StringBuilder();
    int c;
    while ((c = in.read()) >= 0 && c != '\n') {
      sb.append((char) c);
    }
    return sb.toString();
  }

  /** Fails with a one-line message if the directory that would hold {@code out} is missing. */
  static void checkParentExists(Path out) throws ToolException {
    Path parent = out.toAbsolutePath().getParent();
    if (parent != null && !Files.isDirectory(parent)) {
      throw new ToolException("No such directory: '" + parent + "'");
    }
  }
}
