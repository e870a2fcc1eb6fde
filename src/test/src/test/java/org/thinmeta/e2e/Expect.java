package org.thinmeta.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** Assertions shared by the end-to-end tests. */
public final class Expect {
  private Expect() {}

  /**
   * The run failed with exit 64 and exactly {@code message} as the one line on stderr: no stack
   * trace, no exception class name.
   */
  public static void failure(Cli.Result r, String message) {
    assertEquals(64, r.status(), r::toString);
    assertEquals(message + "\n", r.stderr(), r::toString);
    assertFalse(r.stderr().contains("\tat "), r::toString);
    assertFalse(r.stderr().contains("Exception"), r::toString);
  }

  /** Standard output does not end like a complete dump. */
  public static void incomplete(Cli.Result r) {
    String out = r.stdout();
    assertFalse(out.endsWith("</superblock>\n"), r::toString);
    assertFalse(out.endsWith("end superblock\n"), r::toString);
  }
}
