package org.thinmeta.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * thin_dump on a real block device (a loop device over a fixture copy): O_DIRECT reads and the
 * sysfs size. Needs root and a free loop device, so it runs only with {@code
 * -Dthinmeta.blockdev=true}.
 */
class BlockDeviceTest {
  @TempDir Path dir;

  @Test
  void dumpOfALoopDevice_matchesTheDumpOfTheFile() throws Exception {
    assumeTrue(Boolean.getBoolean("thinmeta.blockdev"), "set -Dthinmeta.blockdev=true to run");
    assumeTrue(Fixtures.available(), "shared fixtures missing");
    Path image = Fixtures.copyOf("tmeta_with_metadata_snap", dir);
    Cli.Result attach = Launcher.run(List.of("losetup", "-f", "--show", image.toString()));
    assumeTrue(attach.status() == 0, () -> "no loop device: " + attach.stderr());
    String loop = attach.stdout().trim();
    try {
      Cli.Result fromFile = Cli.run("thin_dump", image.toString());
      Cli.Result fromDevice = Cli.run("thin_dump", loop);
      Cli.Result snapFromDevice = Cli.run("thin_dump", "-m", loop);

      assertEquals(0, fromDevice.status(), fromDevice::toString);
      assertArrayEquals(fromFile.stdoutBytes(), fromDevice.stdoutBytes());
      assertEquals(0, snapFromDevice.status(), snapFromDevice::toString);
      assertArrayEquals(
          Fixtures.stored("tmeta_with_metadata_snap.snap.dump.xml"), snapFromDevice.stdoutBytes());
    } finally {
      Launcher.run(List.of("losetup", "-d", loop));
    }
  }
}
