package org.thinmeta.repair.trim;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Discards through util-linux, the package every LVM system has: {@code blkdiscard} (the BLKDISCARD
 * ioctl) on a block device, {@code fallocate --punch-hole} (FALLOC_FL_PUNCH_HOLE) on a regular
 * file. Java 17 has neither ioctl nor fallocate without native code (its foreign-function API is an
 * incubator module the launcher does not enable), so this runs one short process per range.
 */
public final class UtilLinuxDiscarder implements Discarder {
  private static final List<String> DIRS = List.of("/usr/sbin", "/sbin", "/usr/bin", "/bin");

  private final List<String> command;
  private final String file;

  private UtilLinuxDiscarder(List<String> command, String file) {
    this.command = command;
    this.file = file;
  }

  /** A discarder for the block device at {@code path} ({@code blkdiscard}). */
  public static UtilLinuxDiscarder forBlockDevice(Path path) throws IOException {
    return new UtilLinuxDiscarder(List.of(find("blkdiscard")), path.toString());
  }

  /** A discarder punching holes in the regular file at {@code path} ({@code fallocate}). */
  public static UtilLinuxDiscarder forRegularFile(Path path) throws IOException {
    return new UtilLinuxDiscarder(
        List.of(find("fallocate"), "--punch-hole", "--keep-size"), path.toString());
  }

  private static String find(String tool) throws IOException {
    List<String> dirs = new ArrayList<>(DIRS);
    String env = System.getenv("PATH");
    if (env != null) {
      dirs.addAll(List.of(env.split(":")));
    }
    for (String d : dirs) {
      if (d.isEmpty()) {
        continue;
      }
      Path p = Path.of(d, tool);
      if (Files.isExecutable(p)) {
        return p.toString();
      }
    }
    throw new IOException("cannot discard: '" + tool + "' (util-linux) is not installed");
  }

  @Override
  public void discard(long offset, long length) throws IOException {
    List<String> cmd = new ArrayList<>(command);
    cmd.add("--offset");
    cmd.add(Long.toUnsignedString(offset));
    cmd.add("--length");
    cmd.add(Long.toUnsignedString(length));
    cmd.add(file);
    Process p =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
            .start();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (InputStream in = p.getInputStream()) {
      in.transferTo(out);
    }
    int status;
    try {
      status = p.waitFor();
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while discarding", e);
    }
    if (status != 0) {
      String msg = out.toString(StandardCharsets.UTF_8).strip().lines().findFirst().orElse("");
      throw new IOException(
          "discard of "
              + Long.toUnsignedString(length)
              + " bytes at "
              + Long.toUnsignedString(offset)
              + " failed"
              + (msg.isEmpty() ? " (exit " + status + ")" : ": " + msg));
    }
  }
}
