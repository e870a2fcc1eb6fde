package org.thinmeta.cli.support;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Output files that never look complete after a failure: a regular file (or a new one) is written
 * beside its final name and moved into place only on {@link Target#commit}; anything else (a fifo,
 * /dev/stdout) is written directly.
 */
public final class OutputFiles {
  private OutputFiles() {}

  /** An output being written. */
  public interface Target extends AutoCloseable {
    /** The stream to write to. */
    OutputStream stream();

    /** Makes the output visible under its final name. */
    void commit() throws IOException;

    /** Removes an uncommitted output. */
    @Override
    void close() throws IOException;
  }

  /** Opens {@code path} for writing. */
  public static Target open(Path path) throws IOException {
    if (Files.exists(path) && !Files.isRegularFile(path)) {
      OutputStream s = Files.newOutputStream(path);
      return new Target() {
        @Override
        public OutputStream stream() {
          return s;
        }

        @Override
        public void commit() throws IOException {
          s.flush();
        }

        @Override
        public void close() throws IOException {
          s.close();
        }
      };
    }
    Path abs = path.toAbsolutePath();
    Path dir = abs.getParent();
    Path tmp;
    try {
      // Not createTempFile: its 0600 mode would stay on the output; a plain create honours umask.
      tmp = createSibling(dir, abs.getFileName().toString());
    } catch (IOException e) {
      String why =
          e instanceof java.nio.file.NoSuchFileException
              ? "No such file or directory"
              : e instanceof java.nio.file.AccessDeniedException
                  ? "Permission denied"
                  : e instanceof java.nio.file.FileSystemException f && f.getReason() != null
                      ? f.getReason()
                      : Messages.of(e);
      throw new IOException("cannot create output file '" + path + "': " + why, e);
    }
    OutputStream s = new java.io.BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16);
    return new Target() {
      private boolean committed;

      @Override
      public OutputStream stream() {
        return s;
      }

      @Override
      public void commit() throws IOException {
        s.close();
        Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        committed = true;
      }

      @Override
      public void close() throws IOException {
        if (!committed) {
          try {
            s.close();
          } finally {
            Files.deleteIfExists(tmp);
          }
        }
      }
    };
  }

  private static Path createSibling(Path dir, String name) throws IOException {
    java.util.Random random = new java.util.Random();
    for (int i = 0; ; i++) {
      Path p =
          dir.resolve("." + name + "." + Long.toUnsignedString(random.nextLong(), 36) + ".tmp");
      try {
        return Files.createFile(p);
      } catch (java.nio.file.FileAlreadyExistsException e) {
        if (i > 100) {
          throw e;
        }
      }
    }
  }
}
