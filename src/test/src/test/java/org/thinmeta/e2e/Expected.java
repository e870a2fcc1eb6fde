package org.thinmeta.e2e;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What 0.9.0 printed for a fixture, from {@code NAME.expected.txt}: per command its exit status,
 * the size and sha256 of its full stdout, and the first stdout/stderr lines.
 */
public final class Expected {
  /** One recorded run. */
  public record Run(
      String command,
      int status,
      int stdoutLines,
      long stdoutBytes,
      String stdoutSha256,
      List<String> stdout,
      List<String> stderr) {}

  private static final Pattern STDOUT =
      Pattern.compile("stdout: (\\d+) lines, (\\d+) bytes, sha256 ([0-9a-f]{64})");

  private Expected() {}

  /** Every run recorded for fixture {@code name}. */
  public static List<Run> runs(String name) throws IOException {
    Path p = Fixtures.kernelDir().resolve(name + ".expected.txt");
    List<String> lines = Files.readAllLines(p);
    List<Run> out = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      String l = lines.get(i);
      if (!l.startsWith("$ ")) {
        continue;
      }
      String cmd = l.substring(2);
      int status = Integer.parseInt(lines.get(++i).substring("exit status: ".length()).trim());
      Matcher m = STDOUT.matcher(lines.get(++i));
      if (!m.lookingAt()) {
        throw new IOException("unexpected line in " + p + ": " + lines.get(i));
      }
      List<String> stdout = new ArrayList<>();
      while (i + 1 < lines.size() && lines.get(i + 1).startsWith("  | ")) {
        stdout.add(lines.get(++i).substring(4));
      }
      List<String> stderr = new ArrayList<>();
      if (i + 1 < lines.size() && lines.get(i + 1).equals("stderr:")) {
        i++;
        while (i + 1 < lines.size() && lines.get(i + 1).startsWith("  | ")) {
          stderr.add(lines.get(++i).substring(4));
        }
      }
      out.add(
          new Run(
              cmd,
              status,
              Integer.parseInt(m.group(1)),
              Long.parseLong(m.group(2)),
              m.group(3),
              stdout,
              stderr));
    }
    return out;
  }

  /** The recorded runs of {@code name} whose command starts with {@code prefix}. */
  public static List<Run> runs(String name, String prefix) throws IOException {
    return runs(name).stream().filter(r -> r.command().startsWith(prefix)).toList();
  }
}
