package org.thinmeta.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * thin_metadata_size. 0.9.0 uses another formula and a sentence-style output (format doc §10.5), so
 * these are the 1.3.3 expectations: its test suite's and values computed from its formula.
 */
class ThinMetadataSizeTest {
  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "--pool-size 2097152 --block-size 128 -m 1|1064 sectors",
        "-b 128 -s 2097152 -m 1 -u g|0.000507354736328125 gibibytes",
        "-b 64k -s 1t -m 1000|1073232 sectors",
        "-b 64k -s 1t -m 1000 -u m|524.04 mebibytes",
        "-b 64k -s 1t -m 1000 -u MiB|524.04 mebibytes",
        "-b 64k -s 1t -m 1000 -n|1073232",
        "-n -b 64k -s 1t -m 1000|1073232",
        "-b 64k -s 1t -m 1000 -n=short|1073232s",
        "-b 64k -s 1t -m 1000 --numeric-only=short -u K|549494.78K",
        "-b 64k -s 1t -m 1000 --numeric-only=long|1073232sectors",
        "-b 64k -s 1t -m 1000 -u t|0.0004997625946998596 terabytes",
        "-b 64k -s 1t -m 1000 -u b|549494784 bytes",
        "--block-size=1g --pool-size=1g --max-thins=0|16 sectors",
        "-b 64k -s 1048576t -m 0|33292800 sectors",
      })
  void prints1_3_3Output(String args, String want) {
    String[] argv = ("thin_metadata_size " + args).split(" ");

    Cli.Result r = Cli.run(argv);

    assertEquals(0, r.status(), r::toString);
    assertEquals(want + "\n", r.stdout());
    assertEquals("", r.stderr());
  }

  @ParameterizedTest
  @ValueSource(longs = {128, 256, 384, 2097152})
  void validBlockSizesOfTheTestSuite_areAccepted(long sectors) {
    Cli.Result r =
        Cli.run(
            "thin_metadata_size",
            "--pool-size",
            "16777216",
            "--block-size",
            "" + sectors,
            "-m",
            "1");

    assertEquals(0, r.status(), r::toString);
  }

  @ParameterizedTest
  @CsvSource({
    "0, block size must be a multiple of 64 KiB",
    "64, block size must be a multiple of 64 KiB",
    "127, block size must be a multiple of 64 KiB",
    "2097153, block size must be a multiple of 64 KiB",
    "2097280, maximum block size is 1 GiB",
    "4194304, maximum block size is 1 GiB",
  })
  void invalidBlockSizesOfTheTestSuite_failAtRuntime(long sectors, String message) {
    Cli.Result r =
        Cli.run(
            "thin_metadata_size",
            "--pool-size",
            "16777216",
            "--block-size",
            "" + sectors,
            "-m",
            "1");

    assertEquals(64, r.status(), r::toString);
    assertEquals(message + "\n", r.stderr());
    assertEquals("", r.stdout());
  }

  @Test
  void poolSmallerThanBlock_fails() {
    Cli.Result r = Cli.run("thin_metadata_size", "-b", "1g", "-s", "512m", "-m", "1");

    assertEquals(64, r.status(), r::toString);
    assertEquals("pool size must be larger than block size\n", r.stderr());
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "--pool-size 2097152 -m 1|Missing required option: '--block-size=SIZE[bskmg]'",
        "--block-size 128 -m 1|Missing required option: '--pool-size=SIZE[bskmgtp]'",
        "--pool-size 2097152 --block-size 128|Missing required option: '--max-thins=NUM'",
        "-b 64kx -s 1t -m 1|Invalid value for option '--block-size': Invalid unit specifier",
        "-b 64k -s 1t -m 1 -u x|Invalid value for option '--unit': Invalid unit specifier",
        "-b 64k -s 1t -m -1|Invalid value for option '--max-thins': invalid digit found in string",
        "-b 64k -s 1t -m 1 -n=foo|Invalid value for option '--numeric-only': "
            + "'foo' is not one of short, long",
        "-b 64k -s 1t -m 1 --foo|Unknown option: '--foo'",
      })
  void badArguments_areUsageErrors(String args, String firstLine) {
    String[] argv = ("thin_metadata_size " + args).split(" ");

    Cli.Result r = Cli.run(argv);

    assertEquals(2, r.status(), r::toString);
    assertEquals(firstLine, r.stderr().lines().findFirst().orElse(""));
    assertEquals("", r.stdout());
  }

  @Test
  void noArguments_fail() {
    Cli.Result r = Cli.run("thin_metadata_size");

    assertEquals(2, r.status(), r::toString);
  }

  @Test
  void help_printsTheReferenceDescriptionFirst() {
    Cli.Result r = Cli.run("thin_metadata_size", "--help");

    assertEquals(0, r.status());
    assertTrue(
        r.stdout()
            .startsWith(
                "Estimate the size of the metadata device needed for a given configuration.\n"),
        r::toString);
  }
}
