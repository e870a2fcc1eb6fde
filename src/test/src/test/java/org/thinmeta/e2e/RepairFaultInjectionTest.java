package org.thinmeta.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.thinmeta.thin.format.Superblock;

/**
 * I/O faults injected under thin_repair (read error, short read, write error, ENOSPC): the input is
 * never touched; an output that held no valid metadata never looks valid unless it is a complete
 * repaired pool that thin_check passes, and one that held valid metadata keeps it unless the repair
 * completed.
 */
class RepairFaultInjectionTest {
  private FileSystem fs;
  private byte[] input;
  private byte[] oldPool;

  @BeforeEach
  void setUp() throws Exception {
    assumeTrue(Fixtures.available());
    fs = Jimfs.newFileSystem(Configuration.unix());
    input = Files.readAllBytes(Fixtures.image("tmeta_with_shared_internals_and_leaves"));
    Files.write(fs.getPath("/img"), input);
    oldPool = Arrays.copyOf(Files.readAllBytes(Fixtures.image("tmeta_with_empty_roots")), 16 << 20);
  }

  private Cli.Result repair(FailingBlockDevice.Kind kind, long block, int afterWrites)
      throws Exception {
    return repair(new byte[16 << 20], kind, block, afterWrites);
  }

  private Cli.Result repair(
      byte[] output, FailingBlockDevice.Kind kind, long block, int afterWrites) throws Exception {
    Files.write(fs.getPath("/out.bin"), output);
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

  /** The blocks read to decide whether {@link #oldPool} is metadata to keep. */
  private Set<Long> oldMetadataReads() {
    ByteBuffer b = ByteBuffer.wrap(oldPool).order(ByteOrder.LITTLE_ENDIAN);
    Superblock sb = Superblock.decode(b.slice(0, 4096).order(ByteOrder.LITTLE_ENDIAN));
    Set<Long> read = new TreeSet<>();
    read.add(0L);
    long index = sb.metadataSmRoot().bitmapRoot();
    read.add(index);
    long bitmaps = (sb.metadataSmRoot().nrBlocks() + 16319) / 16320;
    for (int i = 0; i < bitmaps; i++) {
      read.add(b.getLong((int) index * 4096 + 16 + 16 * i));
    }
    return read;
  }

  /** A repair over {@link #oldPool} either completed or left that pool as it was. */
  private void assertOldPoolKeptUnlessDone(Cli.Result r, String where) throws Exception {
    assertArrayEquals(input, Files.readAllBytes(fs.getPath("/img")), where + ": input untouched");
    byte[] out = Files.readAllBytes(fs.getPath("/out.bin"));
    Cli.Result check = Cli.runIn(fs, "", "thin_check", "-q", "/out.bin");
    assertEquals(0, check.status(), () -> where + ": the output passes thin_check " + check);
    if (r.status() == 0) {
      assertFalse(Arrays.equals(oldPool, 0, 4096, out, 0, 4096), where + ": new superblock");
      return;
    }
    assertEquals(64, r.status(), () -> where + " " + r);
    assertEquals(1, r.stderr().lines().count(), () -> where + ": one line: " + r.stderr());
    assertArrayEquals(
        Arrays.copyOf(oldPool, 4096), Arrays.copyOf(out, 4096), where + ": old superblock kept");
    Files.write(fs.getPath("/old.bin"), oldPool);
    assertArrayEquals(
        Cli.runIn(fs, "", "thin_dump", "/old.bin").stdoutBytes(),
        Cli.runIn(fs, "", "thin_dump", "/out.bin").stdoutBytes(),
        where + ": the old pool's dump");
  }

  @ParameterizedTest
  @EnumSource(
      value = FailingBlockDevice.Kind.class,
      names = {"READ_ERROR", "SHORT_READ"})
  void readFault_inTheInput_failsCleanlyOrSalvagesAroundIt(FailingBlockDevice.Kind kind)
      throws Exception {
    Set<Long> read = oldMetadataReads();
    for (long block : new long[] {0, 1, 24, 315, 319, 500}) {
      Cli.Result r = repair(kind, block, 0);
      assertNoValidLookingOutput(r, kind + " at block " + block);
      // The fault hits the output too: where it hides the old superblock or space map, there is no
      // old metadata to keep.
      Cli.Result overOld = repair(oldPool, kind, block, 0);
      String where = kind + " at block " + block + " over a pool";
      if (read.contains(block)) {
        assertNoValidLookingOutput(overOld, where);
      } else {
        assertOldPoolKeptUnlessDone(overOld, where);
      }
    }
    assertTrue(read.contains(0L) && read.contains(24L), read.toString());
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
    // Over a valid pool, block 0 is written only at the end: the first write, a later block, the
    // final superblock.
    for (int[] at : new int[][] {{-1, 0}, {-1, 1}, {-1, 40}, {0, 0}}) {
      Cli.Result r = repair(oldPool, kind, at[0], at[1]);
      String where = kind + " at block " + at[0] + " after " + at[1] + " writes over a pool";
      assertEquals(64, r.status(), () -> where + " " + r);
      assertOldPoolKeptUnlessDone(r, where);
    }
  }
}
