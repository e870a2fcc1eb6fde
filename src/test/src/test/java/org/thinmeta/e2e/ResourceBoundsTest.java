package org.thinmeta.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.thinmeta.pdata.checksum.BlockKind;
import org.thinmeta.pdata.checksum.Checksums;

/**
 * Corrupt lengths and counts never make a tool allocate without bound, and btree pointer loops end
 * every walk: each read-only tool answers within a time bound, exit 0 or 64, one plain line of
 * error.
 */
class ResourceBoundsTest {
  private FileSystem fs;
  private byte[] tmeta;
  private ExecutorService pool;

  @BeforeEach
  void setUp() throws Exception {
    assumeTrue(Fixtures.available());
    fs = Jimfs.newFileSystem(Configuration.unix());
    tmeta = Files.readAllBytes(Fixtures.image("tmeta"));
    pool = Executors.newSingleThreadExecutor();
  }

  @AfterEach
  void tearDown() throws Exception {
    pool.shutdownNow();
    fs.close();
  }

  /** Runs every fuzz tool on {@code img}; returns "tool status | first stderr line" lines. */
  private List<String> runAll(byte[] img) throws Exception {
    Files.write(fs.getPath(FuzzTest.IMG), img);
    List<String> out = new ArrayList<>();
    for (String[] args : FuzzTest.TOOLS) {
      Future<Cli.Result> f = pool.submit(() -> Cli.runIn(fs, "", args));
      Cli.Result r = f.get(FuzzTest.RUN_TIMEOUT_SECONDS, TimeUnit.SECONDS);
      assertEquals(null, FuzzTest.problem(args[0], r), () -> String.join(" ", args) + "\n" + r);
      List<String> lines = r.stderr().lines().toList();
      String err = lines.isEmpty() ? "" : lines.get(lines.size() - 1);
      out.add(String.join(" ", args) + " -> " + r.status() + " | " + err);
    }
    return out;
  }

  private byte[] withSuperblock(Consumer<ByteBuffer> edit) {
    byte[] img = tmeta.clone();
    ByteBuffer sb = ByteBuffer.wrap(img, 0, 4096).slice().order(ByteOrder.LITTLE_ENDIAN);
    edit.accept(sb);
    Checksums.stamp(sb, BlockKind.THIN_SUPERBLOCK);
    return img;
  }

  @Test
  void hugeDataSpaceMapNrBlocks() throws Exception {
    assertEquals(
        List.of(
            "thin_check /img -> 64 | data space map: it claims 1152921504606846976 blocks, more than block numbers can address",
            "thin_check --super-block-only /img -> 0 | ",
            "thin_check -m /img -> 64 | no current metadata snap",
            "thin_check --skip-mappings /img -> 0 | device details tree",
            "thin_dump /img -> 0 | ",
            "thin_dump -m /img -> 64 | no current metadata snap",
            "thin_dump --skip-mappings -f human_readable /img -> 0 | ",
            "thin_ls --no-headers -o DEV,MAPPED,EXCLUSIVE,SHARED,HIGHEST_MAPPED /img -> 0 | Scanning data mappings",
            "thin_ls -m -o DEV,EXCLUSIVE_BLOCKS /img -> 64 | no current metadata snap",
            "thin_delta --snap1 1 --snap2 2 /img -> 0 | ",
            "thin_rmap --region 0..100000 /img -> 0 | ",
            "thin_metadata_pack -f -i /img -o /out.pack -> 0 | "),
        runAll(withSuperblock(sb -> sb.putLong(64, 1L << 60))));
  }

  @Test
  void hugeMetadataSpaceMapNrBlocks() throws Exception {
    assertEquals(
        List.of(
            "thin_check /img -> 64 | metadata space map: it claims 1152921504606846976 blocks; a metadata space map holds 1 to 4161600",
            "thin_check --super-block-only /img -> 0 | ",
            "thin_check -m /img -> 64 | no current metadata snap",
            "thin_check --skip-mappings /img -> 64 | metadata space map: it claims 1152921504606846976 blocks; a metadata space map holds 1 to 4161600",
            "thin_dump /img -> 0 | ",
            "thin_dump -m /img -> 64 | no current metadata snap",
            "thin_dump --skip-mappings -f human_readable /img -> 0 | ",
            "thin_ls --no-headers -o DEV,MAPPED,EXCLUSIVE,SHARED,HIGHEST_MAPPED /img -> 0 | Scanning data mappings",
            "thin_ls -m -o DEV,EXCLUSIVE_BLOCKS /img -> 64 | no current metadata snap",
            "thin_delta --snap1 1 --snap2 2 /img -> 0 | ",
            "thin_rmap --region 0..100000 /img -> 0 | ",
            "thin_metadata_pack -f -i /img -o /out.pack -> 0 | "),
        runAll(withSuperblock(sb -> sb.putLong(192, 1L << 60))));
  }

  @Test
  void hugeMetadataNrBlocks() throws Exception {
    assertEquals(
        List.of(
            "thin_check /img -> 64 | metadata device/file too small: it holds 16384 blocks, but the superblock claims 1152921504606846976",
            "thin_check --super-block-only /img -> 0 | ",
            "thin_check -m /img -> 64 | no current metadata snap",
            "thin_check --skip-mappings /img -> 64 | metadata device/file too small: it holds 16384 blocks, but the superblock claims 1152921504606846976",
            "thin_dump /img -> 0 | ",
            "thin_dump -m /img -> 64 | no current metadata snap",
            "thin_dump --skip-mappings -f human_readable /img -> 0 | ",
            "thin_ls --no-headers -o DEV,MAPPED,EXCLUSIVE,SHARED,HIGHEST_MAPPED /img -> 0 | Scanning data mappings",
            "thin_ls -m -o DEV,EXCLUSIVE_BLOCKS /img -> 64 | no current metadata snap",
            "thin_delta --snap1 1 --snap2 2 /img -> 0 | ",
            "thin_rmap --region 0..100000 /img -> 0 | ",
            "thin_metadata_pack -f -i /img -o /out.pack -> 0 | "),
        runAll(withSuperblock(sb -> sb.putLong(344, 1L << 60))));
  }

  @Test
  void internalNodePointingToItself() throws Exception {
    byte[] img = tmeta.clone();
    for (int b = 1; b < img.length / 4096; b++) {
      ByteBuffer blk = ByteBuffer.wrap(img, b * 4096, 4096).slice().order(ByteOrder.LITTLE_ENDIAN);
      if (Checksums.classify(blk) == BlockKind.NODE && (blk.getInt(4) & 1) != 0) {
        int max = blk.getInt(20);
        blk.putLong(32 + max * 8 + 8, b);
        Checksums.stamp(blk, BlockKind.NODE);
        break;
      }
    }
    assertEquals(
        List.of(
            "thin_check /img -> 64 | Check of mappings failed",
            "thin_check --super-block-only /img -> 0 | ",
            "thin_check -m /img -> 64 | no current metadata snap",
            "thin_check --skip-mappings /img -> 0 | device details tree",
            "thin_dump /img -> 64 | mapping tree of device 4: btree pointer loop (reached again from its descendant 7) at block 7, keys [364..710]",
            "thin_dump -m /img -> 64 | no current metadata snap",
            "thin_dump --skip-mappings -f human_readable /img -> 0 | ",
            "thin_ls --no-headers -o DEV,MAPPED,EXCLUSIVE,SHARED,HIGHEST_MAPPED /img -> 64 | metadata contains errors",
            "thin_ls -m -o DEV,EXCLUSIVE_BLOCKS /img -> 64 | no current metadata snap",
            "thin_delta --snap1 1 --snap2 2 /img -> 0 | ",
            "thin_rmap --region 0..100000 /img -> 64 | btree nodes are not all at the same depth (internal node at leaf level) at block 7",
            "thin_metadata_pack -f -i /img -o /out.pack -> 0 | "),
        runAll(img));
  }
}
