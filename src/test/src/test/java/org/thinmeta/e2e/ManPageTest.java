package org.thinmeta.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.thinmeta.cli.Tools;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/** Every tool has a section-8 man page that renders cleanly and documents every option. */
class ManPageTest {
  static Stream<String> tools() {
    return Tools.all().keySet().stream();
  }

  static Path page(String tool) {
    return Fixtures.repo().resolve("man/" + tool + ".8");
  }

  @ParameterizedTest
  @MethodSource("tools")
  void manPage_documentsEveryOptionOfHelp(String tool) throws Exception {
    Path page = page(tool);
    assertTrue(Files.exists(page), "no man page " + page);
    String text = plain(Files.readString(page, StandardCharsets.UTF_8));
    assertTrue(text.contains(".TH " + tool.toUpperCase(java.util.Locale.ROOT) + " 8"), "section 8");
    CommandLine cl = new CommandLine(Tools.all().get(tool).get());
    List<String> missing = new ArrayList<>();
    for (OptionSpec o : cl.getCommandSpec().options()) {
      if (o.hidden()) {
        continue;
      }
      for (String name : o.names()) {
        if (!text.contains(name)) {
          missing.add(name);
        }
      }
    }
    assertEquals(List.of(), missing, "options of " + tool + " --help missing from " + page);
    for (String section : List.of("NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "EXIT STATUS")) {
      assertTrue(text.contains(".SH " + section), tool + " lacks section " + section);
    }
    assertTrue(text.contains(".SH EXAMPLES") && text.contains(".SH SEE ALSO"), tool);
  }

  @ParameterizedTest
  @MethodSource("tools")
  void manPage_rendersWithoutGroffWarnings(String tool) throws Exception {
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/groff")), "groff is not installed");
    Process p =
        new ProcessBuilder("groff", "-man", "-ww", "-z", page(tool).toString())
            .redirectErrorStream(true)
            .start();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    p.getInputStream().transferTo(out);
    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    assertEquals("", out.toString(StandardCharsets.UTF_8), "groff warnings for " + tool);
    assertEquals(0, p.exitValue());
  }

  /** Page text with roff escapes for dashes and fonts removed, so option names can be found. */
  static String plain(String roff) {
    return roff.replace("\\-", "-")
        .replaceAll("\\\\f[BIRP]", "")
        .replaceAll("(?m)^\\.(BR|BI|IR|RI|B|I) ", "");
  }
}
