package org.thinmeta.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.thinmeta.pdata.Progress;
import org.thinmeta.pdata.btree.Node;
import org.thinmeta.pdata.btree.NodeHeader;
import org.thinmeta.pdata.checksum.BlockKind;
import org.thinmeta.pdata.checksum.Checksums;
import org.thinmeta.pdata.damage.CorruptMetadataException;
import org.thinmeta.pdata.io.Blocks;
import org.thinmeta.pdata.io.MemoryBlockDevice;
import org.thinmeta.repair.salvage.Repair;
import org.thinmeta.repair.salvage.Salvager;

/**
 * Random damage to the btree nodes of a kernel image (zeroed or scribbled blocks, and, with valid
 * checksums, changed keys, child pointers, mapping values and entry counts): repair either fails
 * with one of its two messages or writes a pool that our thin_check accepts.
 */
class RepairFuzzTest {
  private static byte[] original;
  private static List<Integer> nodes;

  private static synchronized void load() throws IOException {
    if (original == null) {
      original = Files.readAllBytes(Fixtures.image("tmeta_with_shared_internals_and_leaves"));
      nodes = new ArrayList<>();
      for (int b = 0; b < original.length / Blocks.BLOCK_SIZE; b++) {
        if (Checksums.classify(block(original, b)) == BlockKind.NODE) {
          nodes.add(b);
        }
      }
    }
  }

  private static ByteBuffer block(byte[] image, int b) {
    return ByteBuffer.wrap(image, b * Blocks.BLOCK_SIZE, Blocks.BLOCK_SIZE)
        .slice()
        .order(java.nio.ByteOrder.LITTLE_ENDIAN);
  }

  private static void damage(byte[] image, Random rnd) {
    int b = nodes.get(rnd.nextInt(nodes.size()));
    ByteBuffer blk = block(image, b);
    Node n = Node.decode(b, blk);
    int nr = Math.max(1, n.nrEntries());
    switch (rnd.nextInt(6)) {
      case 0 -> {
        for (int i = 0; i < Blocks.BLOCK_SIZE; i++) {
          blk.put(i, (byte) 0);
        }
        return;
      }
      case 1 -> {
        blk.put(100 + rnd.nextInt(3000), (byte) rnd.nextInt(256));
        return;
      }
      case 2 -> blk.putLong(NodeHeader.SIZE + 8 * rnd.nextInt(nr), rnd.nextLong() & 0xFFFFF);
      case 3 -> blk.putLong(n.valueOffset(rnd.nextInt(nr)), rnd.nextInt(1200));
      case 4 ->
          blk.putLong(
              n.valueOffset(rnd.nextInt(nr)), ((long) rnd.nextInt(140000) << 24) | rnd.nextInt(3));
      default -> blk.putInt(16, rnd.nextInt(nr + 2));
    }
    Checksums.stamp(blk, BlockKind.NODE);
  }

  @Property(tries = 40)
  void anyDamage_repairFailsCleanlyOrWritesAPoolThatPassesCheck(
      @ForAll long seed, @ForAll @IntRange(min = 1, max = 4) int damages) throws Exception {
    if (!Fixtures.available()) {
      return;
    }
    load();
    byte[] image = original.clone();
    Random rnd = new Random(seed);
    for (int i = 0; i < damages; i++) {
      damage(image, rnd);
    }
    MemoryBlockDevice out = new MemoryBlockDevice(4096);
    try {
      Repair.repair(MemoryBlockDevice.of(image), out, Salvager.Options.NONE, Progress.NONE);
    } catch (CorruptMetadataException e) {
      assertTrue(
          e.getMessage().equals("no compatible roots found")
              || e.getMessage().startsWith("data block size needs to be provided"),
          e.getMessage());
      return;
    }
    Path file = Files.createTempFile(Fixtures.scratch(), "fuzz", ".bin");
    try {
      Files.write(file, out.toByteArray());
      Cli.Result c = Cli.run("thin_check", file.toString());
      assertEquals(0, c.status(), () -> "seed " + seed + ", " + damages + " damages: " + c);
    } finally {
      Files.deleteIfExists(file);
    }
  }
}
