package org.thinmeta.cli.support;

import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;

/** Turns exceptions into the one-line messages the tools print. */
public final class Messages {
  private Messages() {}

  /** A one-line message for {@code t}, never a stack trace. */
  public static String of(Throwable t) {
    if (t instanceof NoSuchFileException e) {
      return "No such file or directory: '" + e.getFile() + "'";
    }
    if (t instanceof AccessDeniedException e) {
      return "Permission denied: '" + e.getFile() + "'";
    }
    if (t instanceof FileSystemException e && e.getReason() != null) {
      return e.getReason() + ": '" + e.getFile() + "'";
    }
    String m = t.getMessage();
    if (m == null || m.isBlank()) {
      m = t.getClass().getSimpleName();
    }
    return m.replace('\n', ' ');
  }

  /** True if {@code t} is a write to a closed pipe. */
  public static boolean isBrokenPipe(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      String m = c.getMessage();
      if (m != null && (m.contains("Broken pipe") || m.contains("Stream closed"))) {
        return true;
      }
    }
    return false;
  }
}
