package org.thinmeta.e2e;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What 0.9.0 printed for a kernel fixture, read from its {@code NAME.expected.txt}. */
final class ExpectedOutput {
  /** One recorded command. */
  record Command(int exit, List<String> stdout, List<String> stderr) {}

  private final List<String> lines;

  private ExpectedOutput(List<String> lines) {
    this.lines = lines;
  }

  /** The record of fixture {@code name}. */
  static ExpectedOutput of(String name) throws IOException {
    return new ExpectedOutput(
        Files.readAllLines(
            Fixtures.kernelDir().resolve(name + ".expected.txt"), StandardCharsets.UTF_8));
  }

  /** The recorded run of {@code $ command}, or null if there is none. */
  Command command(String command) {
    int i = lines.indexOf("$ " + command);
    if (i < 0) {
      return null;
    }
    int exit = Integer.parseInt(lines.get(i + 1).substring("exit status: ".length()));
    List<String> out = new ArrayList<>();
    List<String> err = new ArrayList<>();
    List<String> target = null;
    for (int j = i + 2; j < lines.size() && !lines.get(j).startsWith("$ "); j++) {
      String l = lines.get(j);
      if (l.startsWith("stdout:")) {
        target = out;
      } else if (l.startsWith("stderr:")) {
        target = err;
      } else if (l.startsWith("  | ") && target != null) {
        target.add(l.substring(4));
      }
    }
    return new Command(exit, out, err);
  }

  /** The live superblock's metadata space map as (allocated, total), from the header. */
  long[] metadataAllocation() {
    Pattern p =
        Pattern.compile("block 0 thin superblock: .*metadata space map: (\\d+)/(\\d+) blocks");
    for (String l : lines) {
      Matcher m = p.matcher(l);
      if (m.find()) {
        return new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2))};
      }
    }
    throw new IllegalStateException("no superblock line");
  }
}
