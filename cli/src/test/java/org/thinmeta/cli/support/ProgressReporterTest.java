package org.thinmeta.cli.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ProgressReporterTest {
  @Test
  void percent_isDoneOverTotal() {
    ProgressReporter r = new ProgressReporter(new PrintStream(new ByteArrayOutputStream()), false);
    r.begin("x", 200);
    r.advance(50);
    assertEquals(25, r.percent());
    r.advance(1000);
    assertEquals(100, r.percent());
    r.end();
  }

  @Test
  void shortPhase_printsNothing() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ProgressReporter r = new ProgressReporter(new PrintStream(out, true), false);
    r.begin("x", 10);
    r.advance(5);
    r.render();
    r.end();
    assertEquals("", out.toString(StandardCharsets.UTF_8));
  }

  @Test
  void nonTerminal_printsPlainPercentLines() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ProgressReporter r = new ProgressReporter(new PrintStream(out, true), false);
    r.begin("x", 4);
    r.advance(1);
    Thread.sleep(ProgressReporter.DELAY_MS + 100);
    r.render();
    r.render();
    r.end();
    String s = out.toString(StandardCharsets.UTF_8);
    assertTrue(s.startsWith("Progress: 25%\n"), s);
    assertEquals(1, s.lines().count(), "at most one line per interval: " + s);
  }
}
