package org.thinmeta.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** thin_dump against the stored 0.9.0 dumps of the kernel fixtures. */
class ThinDumpTest {
  static java.util.List<String> valid() {
    return Fixtures.VALID;
  }

  @ParameterizedTest
  @MethodSource("valid")
  void dump_matchesStoredReferenceDump(String name) throws Exception {
    assumeTrue(Fixtures.available(), "shared fixtures missing");
    byte[] expected = Fixtures.stored(name + ".dump.xml");
    Cli.Result r = Cli.run("thin_dump", Fixtures.image(name).toString());
    assertEquals(0, r.status(), r::toString);
    assertArrayEquals(expected, r.stdoutBytes(), r::toString);
  }

  /** The README's first command: the example image dumps back to the XML it was made from. */
  @Test
  void exampleImage_dumpsToItsXml() throws Exception {
    Path examples = Fixtures.repo().resolve("examples");

    Cli.Result r = Cli.run("thin_dump", examples.resolve("pool.bin").toString());

    assertEquals(0, r.status(), r::toString);
    assertEquals("", r.stderr());
    assertArrayEquals(Files.readAllBytes(examples.resolve("pool.xml")), r.stdoutBytes());
    assertTrue(Files.size(examples.resolve("pool.bin")) <= 1 << 20);
  }
}
