package org.thinmeta.cli.support;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.thinmeta.pdata.io.Blocks;
import org.thinmeta.pdata.io.FileBlockDevice;

/** Checks on an input metadata path before it is opened (format doc §7.2). */
public final class InputChecks {
  private InputChecks() {}

  /**
   * Checks that {@code path} exists, is a regular file or block device, holds at least one block,
   * and (if {@code sniffXml}) does not look like XML.
   */
  public static void checkMetadataInput(Path path, boolean sniffXml) throws ToolException {
    if (!Files.exists(path)) {
      throw new ToolException("Couldn't find input file '" + path + "'");
    }
    long size;
    try {
      if (FileBlockDevice.kindOf(path) == FileBlockDevice.Kind.OTHER) {
        throw new ToolException("Not a block device or regular file '" + path + "'.");
      }
      size = FileBlockDevice.sizeOf(path);
    } catch (IOException e) {
      throw new ToolException(Messages.of(e));
    }
    if (size < Blocks.BLOCK_SIZE) {
      throw new ToolException("Metadata device/file too small.  Is this binary metadata?");
    }
    if (sniffXml && looksLikeXml(path)) {
      throw new ToolException(
          "This looks like XML.  This tool only supports the binary metadata format.");
    }
  }

  /** True if the file starts like XML (after optional whitespace). */
  public static boolean looksLikeXml(Path path) {
    byte[] head = new byte[64];
    int n = 0;
    try (InputStream in = Files.newInputStream(path)) {
      int r;
      while (n < head.length && (r = in.read(head, n, head.length - n)) > 0) {
        n += r;
      }
    } catch (IOException e) {
      return false;
    }
    String s = new String(head, 0, n, StandardCharsets.ISO_8859_1).stripLeading();
    return s.startsWith("<superblock")
        || s.startsWith("<?xml")
        || s.startsWith("?xml")
        || s.startsWith("<!DOCTYPE")
        || s.startsWith("<!--");
  }
}
