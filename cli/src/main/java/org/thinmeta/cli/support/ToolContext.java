package org.thinmeta.cli.support;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.FileSystem;
import java.nio.file.Path;
import java.util.function.UnaryOperator;
import org.thinmeta.pdata.io.BlockDevice;

/**
 * What a command may touch of the outside world: standard streams, standard input and the file
 * system. Tests pass capturing streams and a jimfs file system.
 *
 * @param out binary standard output (dump output is written here, unbuffered by us)
 * @param err standard error for messages
 * @param in standard input (answers to prompts)
 * @param fs the file system paths are resolved in
 * @param stderrIsTerminal whether progress bars may be drawn on {@code err}
 * @param devices wraps every metadata device a command opens (identity in production; tests inject
 *     I/O faults through it)
 */
public record ToolContext(
    OutputStream out,
    PrintStream err,
    java.io.InputStream in,
    FileSystem fs,
    boolean stderrIsTerminal,
    UnaryOperator<BlockDevice> devices) {
  /** A context whose devices are used as opened. */
  public ToolContext(
      OutputStream out,
      PrintStream err,
      java.io.InputStream in,
      FileSystem fs,
      boolean stderrIsTerminal) {
    this(out, err, in, fs, stderrIsTerminal, UnaryOperator.identity());
  }

  /** The device a command should use for {@code opened} (fault injection seam for tests). */
  public BlockDevice device(BlockDevice opened) {
    return devices.apply(opened);
  }

  /** Resolves a command-line path. */
  public Path path(String s) {
    return fs.getPath(s);
  }
}
