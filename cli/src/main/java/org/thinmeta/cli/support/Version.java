package org.thinmeta.cli.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;
import picocli.CommandLine;

/** The version printed by {@code -V}: a bare number, as LVM parses it. */
public final class Version implements CommandLine.IVersionProvider {
  /** The project version from the build. */
  public static String get() {
    Properties p = new Properties();
    try (InputStream in =
        Version.class.getResourceAsStream("/org/thinmeta/cli/version.properties")) {
      if (in != null) {
        p.load(in);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return p.getProperty("version", "0.0.0");
  }

  @Override
  public String[] getVersion() {
    return new String[] {get()};
  }
}
