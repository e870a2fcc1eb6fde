package org.thinmeta.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.thinmeta.cli.support.Version;

/** Help, version and usage errors of the multi-call entry point and thin_dump. */
class CliUsageTest {
  @ParameterizedTest
  @ValueSource(strings = {"-h", "--help"})
  void help_printsUsageOnStdout_exit0(String flag) {
    Cli.Result r = Cli.run("thin_dump", flag);

    assertEquals(0, r.status(), r::toString);
    assertTrue(
        r.stdout()
            .startsWith(
                "Dump thin-provisioning metadata to stdout in XML format\nUsage: thin_dump "),
        r::toString);
    for (String option :
        new String[] {
          "--format",
          "--metadata-snap",
          "--dev-id",
          "--skip-mappings",
          "--output",
          "--transaction-id",
          "--data-block-size",
          "--nr-data-blocks",
          "--quiet"
        }) {
      assertTrue(r.stdout().contains(option), option);
    }
    assertEquals("", r.stderr());
  }

  @ParameterizedTest
  @ValueSource(strings = {"-V", "--version"})
  void version_printsTheBareVersionAndANewline(String flag) {
    Cli.Result r = Cli.run("thin_dump", flag);

    assertEquals(0, r.status(), r::toString);
    assertEquals(Version.get() + "\n", r.stdout());
    assertTrue(Version.get().matches("[0-9]+\\.[0-9]+\\.[0-9]+"), Version.get());
    assertEquals("", r.stderr());
  }

  @Test
  void versionOfTheMultiCallEntryPoint() {
    Cli.Result r = Cli.run("-V");

    assertEquals(0, r.status());
    assertEquals(Version.get() + "\n", r.stdout());
  }

  @Test
  void unknownOption_isAUsageError_exit2() {
    Cli.Result r = Cli.run("thin_dump", "--no-such-option", "x.bin");

    assertEquals(2, r.status(), r::toString);
    assertEquals(
        "Unknown option: '--no-such-option'\nTry 'thin_dump --help' for more information.\n",
        r.stderr());
    assertEquals("", r.stdout());
  }

  @Test
  void missingInput_isAUsageError_exit2() {
    Cli.Result r = Cli.run("thin_dump");

    assertEquals(2, r.status(), r::toString);
    assertEquals(
        "Missing required parameter: 'INPUT'\nTry 'thin_dump --help' for more information.\n",
        r.stderr());
  }

  @Test
  void badFormat_isAUsageError_exit2() {
    Cli.Result r = Cli.run("thin_dump", "-f", "json", "x.bin");

    assertEquals(2, r.status(), r::toString);
    assertTrue(r.stderr().startsWith("Invalid value for option '--format'"), r::toString);
  }

  @Test
  void nonNumericDevId_isAUsageError_exit2() {
    Cli.Result r = Cli.run("thin_dump", "--dev-id", "one", "x.bin");

    assertEquals(2, r.status(), r::toString);
  }

  @Test
  void noArguments_listsTheTools() {
    Cli.Result r = Cli.run();

    assertEquals(0, r.status());
    assertTrue(r.stdout().startsWith("Usage: thinmeta TOOL [OPTIONS]\nTools:\n"), r::toString);
    assertTrue(r.stdout().contains("\n  thin_dump\n"), r::toString);
  }

  @Test
  void unknownTool_exit2() {
    Cli.Result r = Cli.run("thin_frobnicate");

    assertEquals(2, r.status());
    assertEquals(
        "Unknown tool 'thin_frobnicate'. Run thinmeta without arguments for a list.\n", r.stderr());
  }

  @Test
  void toolNameMayBeAPath_asArgv0Is() {
    Cli.Result r = Cli.run("/usr/sbin/thin_dump", "-V");

    assertEquals(0, r.status());
    assertEquals(Version.get() + "\n", r.stdout());
  }
}
