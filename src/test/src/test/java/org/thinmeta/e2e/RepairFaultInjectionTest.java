package org.thinmeta.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import java.nio.ByteBuffer;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.thinmeta.thin.format.Superblock;

/**
 * I/O faults injected under thin_repair (read error, short read, write error, ENOSPC): the input is
 * never touched, and the output never looks valid unless it is a complete repaired pool that
 * thin_check passes.
 */
class RepairFaultInjectionTest {
  private FileSystem fs;
  private byte[] input;

  @BeforeEach
  void setUp() throws Exception {
    assumeTrue(Fixtures.available());
    fs = Jimfs.newFileSystem(Configuration.unix());
    input = Files.readAllBytes(Fixtures.image("tmeta_with_shared_internals_and_leaves"));
    Files.write(fs.getPath("/img"), input);
  }

  private Cli.Result repair(FailingBlockDevice.Kind kind, long block, int afterWrites)
      throws Exception {
    Files.write(fs.getPath("/out.bin"), new byte[16 << 20]);
    return Cli.runWith(
        fs,
        d -> new FailingBlockDevice(d, kind, block, afterWrites),
        "thin_repair",
        "-i",
        "/img",
        "-o",
        "/out.bin");
  }

  private void assertNoValidLookingOutput(Cli.Result r, String where) throws Exception {
    assertArrayEquals(input, Files.readAllBytes(fs.getPath("/img")), where + ": input untouched");
    byte[] out = Files.readAllBytes(fs.getPath("/out.bin"));
    boolean valid = Superblock.checksumOk(ByteBuffer.wrap(out, 0, 4096).slice());
    if (r.status() == 0) {
      assertTrue(valid, where);
      Cli.Result check = Cli.runIn(fs, "", "thin_check", "-q", "/out.bin");
      assertEquals(0, check.status(), where + ": a repair that succeeds writes a sound pool");
    } else {
      assertEquals(64, r.status(), () -> where + " " + r);
      assertEquals(1, r.stderr().lines().count(), () -> where + ": one line: " + r.stderr());
      assertFalse(r.stderr().contains("Exception"), r::toString);
      assertFalse(valid, where + ": a failed repair leaves no valid superblock");
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = FailingBlockDevice.Kind.class,
      names = {"READ_ERROR", "SHORT_READ"})
  void readFault_inTheInput_failsCleanlyOrSalvagesAroundIt(FailingBlockDevice.Kind kind)
      throws Exception {
    for (long block : new long[] {0, 1, 315, 319, 500}) {
      Cli.Result r = repair(kind, block, 0);
      assertNoValidLookingOutput(r, kind + " at block " + block);
    }
  }

  @ParameterizedTest
  @EnumSource(
      value = FailingBlockDevice.Kind.class,
      names = {"WRITE_ERROR", "ENOSPC"})
  void writeFault_inTheOutput_leavesNoValidSuperblock(FailingBlockDevice.Kind kind)
      throws Exception {
    // The first write (invalidating the superblock), a later block, and the final superblock.
    for (int[] at : new int[][] {{-1, 0}, {-1, 1}, {-1, 40}, {0, 1}}) {
      Cli.Result r = repair(kind, at[0], at[1]);
      String where = kind + " at block " + at[0] + " after " + at[1] + " writes";
      assertEquals(64, r.status(), () -> where + " " + r);
      assertEquals(
          (kind == FailingBlockDevice.Kind.ENOSPC
                  ? "No space left on device"
                  : "Input/output error")
              + "\n",
          r.stderr(),
          where);
      assertNoValidLookingOutput(r, where);
    }
  }
}
