package org.thinmeta.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.thinmeta.pdata.io.MemoryBlockDevice;
import org.thinmeta.thin.write.PoolModel;
import org.thinmeta.thin.write.PoolOp;
import org.thinmeta.thin.write.PoolScript;
import org.thinmeta.thin.write.RandomOps;
import org.thinmeta.thin.write.ThinPool;

/**
 * thin_generate_metadata: images it writes dump (with our thin_dump) to what the model expects, and
 * the reference 0.9.0 thin_check accepts them (and rejects the LIFO refcount image).
 */
class ThinGenerateMetadataTest {
  static final String SCRIPT =
      """
      # two devices sharing a tree, then diverging
      create_thin 0
      provision 0 0 4
      provision 0 10 3 2
      commit
      create_snap 1 0
      write 0 1 2
      discard 1 3
      set_transaction_id 5
      commit
      """;

  static final String EXPECTED =
      """
      <superblock uuid="" time="1" transaction="5" flags="0" version="2" data_block_size="128" nr_data_blocks="100">
        <device dev_id="0" mapped_blocks="7" transaction="0" creation_time="0" snap_time="1">
          <single_mapping origin_block="0" data_block="0" time="0"/>
          <range_mapping origin_begin="1" data_begin="7" length="2" time="1"/>
          <single_mapping origin_block="3" data_block="3" time="0"/>
          <single_mapping origin_block="10" data_block="4" time="0"/>
          <single_mapping origin_block="12" data_block="5" time="0"/>
          <single_mapping origin_block="14" data_block="6" time="0"/>
        </device>
        <device dev_id="1" mapped_blocks="6" transaction="0" creation_time="1" snap_time="1">
          <range_mapping origin_begin="0" data_begin="0" length="3" time="0"/>
          <single_mapping origin_block="10" data_block="4" time="0"/>
          <single_mapping origin_block="12" data_block="5" time="0"/>
          <single_mapping origin_block="14" data_block="6" time="0"/>
        </device>
      </superblock>
      """;

  static Path scratch(String name) throws Exception {
    Path p = Fixtures.scratch().resolve("generate-" + name);
    Files.deleteIfExists(p);
    return p;
  }

  @Test
  void script_writesTheMappingsItDescribes() throws Exception {
    Path script = scratch("script.txt");
    Files.writeString(script, SCRIPT);
    Path out = scratch("script.bin");
    Cli.Result r =
        Cli.run(
            "thin_generate_metadata",
            "-o",
            out.toString(),
            "--format",
            "--metadata-blocks",
            "64",
            "--data-blocks",
            "100",
            "--script",
            script.toString());
    assertEquals(0, r.status(), r::toString);
    assertEquals(
        "transactions 4, devices 2, mappings 13, metadata blocks 11/64, data blocks 9/100\n",
        r.stdout());
    assertEquals(64 * 4096, Files.size(out));
    Cli.Result dump = Cli.run("thin_dump", out.toString());
    assertEquals(0, dump.status(), dump::toString);
    assertEquals(EXPECTED, dump.stdout());
    if (Reference.available()) {
      Cli.Result check = Reference.run("thin_check", out.toString());
      assertEquals(0, check.status(), check::toString);
      assertEquals(EXPECTED, Reference.run("thin_dump", out.toString()).stdout());
    }
  }

  @Test
  void scriptOnStandardInput_appendsToAnExistingPool() throws Exception {
    Path out = scratch("stdin.bin");
    Path script = scratch("stdin.txt");
    Files.writeString(script, SCRIPT);
    Cli.Result r =
        Cli.run(
            "thin_generate_metadata",
            "-o",
            out.toString(),
            "--format",
            "--metadata-blocks",
            "64",
            "--data-blocks",
            "100",
            "--script",
            script.toString(),
            "-q");
    assertEquals(0, r.status(), r::toString);
    assertEquals("", r.stdout());
    r =
        Cli.runIn(
            java.nio.file.FileSystems.getDefault(),
            "delete 1\ncreate_snap 2 0\n",
            "thin_generate_metadata",
            "-o",
            out.toString(),
            "--script",
            "-");
    assertEquals(0, r.status(), r::toString);
    String dump = Cli.run("thin_dump", out.toString()).stdout();
    assertTrue(
        dump.contains(
            "<device dev_id=\"2\" mapped_blocks=\"7\" transaction=\"5\" "
                + "creation_time=\"2\" snap_time=\"2\">"),
        dump);
    assertTrue(!dump.contains("dev_id=\"1\""), dump);
  }

  @Test
  void randomRun_dumpsWhatTheModelHolds() throws Exception {
    Path out = scratch("random.bin");
    Cli.Result r =
        Cli.run(
            "thin_generate_metadata",
            "-o",
            out.toString(),
            "--format",
            "--metadata-blocks",
            "4096",
            "--data-blocks",
            "200000",
            "--seed",
            "11",
            "--ops",
            "1500",
            "--vblocks",
            "20000",
            "--max-range",
            "300",
            "-q");
    assertEquals(0, r.status(), r::toString);
    // The same run in memory, checked step by step against the model.
    MemoryBlockDevice mem = new MemoryBlockDevice(4096);
    ThinPool pool = ThinPool.format(mem, 128, 200000, ThinPool.Options.DEFAULT);
    PoolModel model = new PoolModel(200000);
    RandomOps gen = new RandomOps(11, 20000, 300);
    for (int i = 0; i < 1500; i++) {
      PoolScript.apply(pool, gen.next(pool), model);
    }
    PoolScript.apply(pool, new PoolOp.Commit(), model);
    assertTrue(model.committed().devices().size() > 10, "a non-trivial pool");
    Cli.Result dump = Cli.run("thin_dump", out.toString());
    assertEquals(0, dump.status(), dump::toString);
    assertEquals(expected(model.committed()), parse(dump.stdout()));
    if (Reference.available()) {
      Cli.Result check = Reference.run("thin_check", out.toString());
      assertEquals(0, check.status(), check::toString);
    }
  }

  @Test
  void lifoScenario_leavesCountsTheReferenceRejects() throws Exception {
    for (String order : new String[] {"fifo", "lifo"}) {
      Path out = scratch("scenario-" + order + ".bin");
      Cli.Result r =
          Cli.run(
              "thin_generate_metadata",
              "-o",
              out.toString(),
              "--format",
              "--metadata-blocks",
              "4096",
              "--data-blocks",
              "1024",
              "--scenario",
              "refcount-rebalance",
              "--op-order",
              order);
      assertEquals(0, r.status(), r::toString);
      assertEquals(
          order.equals("lifo")
              ? "transactions 119, devices 904, mappings 904, metadata blocks 372/4096, data"
                  + " blocks 340/1024\nlifo: 1 decrement(s) met a zero count; 6 queued reference"
                  + " change(s) lost\n"
              : "transactions 119, devices 904, mappings 904, metadata blocks 371/4096, data"
                  + " blocks 340/1024\n",
          r.stdout());
      Cli.Result ours = Cli.run("thin_check", out.toString());
      if (order.equals("lifo")) {
        assertEquals(64, ours.status(), ours::toString);
        assertTrue(
            ours.stderr().contains("metadata block 1776: reference count on disk is 0, expected 1"),
            ours::toString);
        assertTrue(
            ours.stderr()
                .contains("metadata space map: 2 metadata blocks have bad reference counts"),
            ours::toString);
        Path repaired = scratch("scenario-lifo-repaired.bin");
        java.nio.file.Files.write(repaired, new byte[16 << 20]);
        Cli.Result repair =
            Cli.run("thin_repair", "-q", "-i", out.toString(), "-o", repaired.toString());
        assertEquals(0, repair.status(), repair::toString);
        Cli.Result after = Cli.run("thin_check", repaired.toString());
        assertEquals(0, after.status(), after::toString);
        assertEquals(
            Cli.run("thin_dump", out.toString()).stdout(),
            Cli.run("thin_dump", repaired.toString()).stdout(),
            "repair keeps every mapping of the lifo image");
      } else {
        assertEquals(0, ours.status(), ours::toString);
      }
      if (Reference.available()) {
        Cli.Result check = Reference.run("thin_check", out.toString());
        assertEquals(order.equals("lifo") ? 1 : 0, check.status(), check::toString);
        if (order.equals("lifo")) {
          assertTrue(check.stderr().contains("expected 1, but got 0"), check::toString);
        }
      }
    }
  }

  @Test
  void badInput_failsWithOneLine() throws Exception {
    Path out = scratch("bad.bin");
    Path script = scratch("bad.txt");
    Files.writeString(script, "create_thin 0\nfrobnicate 3\n");
    Cli.Result r =
        Cli.run(
            "thin_generate_metadata",
            "-o",
            out.toString(),
            "--format",
            "--metadata-blocks",
            "64",
            "--data-blocks",
            "100",
            "--script",
            script.toString());
    assertEquals(64, r.status());
    assertEquals(script + ":2: unknown operation 'frobnicate'\n", r.stderr());

    Files.writeString(script, "create_thin 0\ncommit\ndelete 9\n");
    r =
        Cli.run(
            "thin_generate_metadata",
            "-o",
            out.toString(),
            "--format",
            "--metadata-blocks",
            "64",
            "--data-blocks",
            "100",
            "--script",
            script.toString());
    assertEquals(64, r.status());
    assertEquals(script + ":3: delete 9: unknown thin device 9\n", r.stderr());
    // What was committed before the failure is there.
    assertTrue(Cli.run("thin_dump", out.toString()).stdout().contains("dev_id=\"0\""));

    Files.writeString(script, "create_thin 0\nprovision 0 0 20000\n");
    r =
        Cli.run(
            "thin_generate_metadata",
            "-o",
            out.toString(),
            "--format",
            "--metadata-blocks",
            "24",
            "--data-blocks",
            "20000",
            "--script",
            script.toString());
    assertEquals(64, r.status());
    assertEquals(script + ":2: provision 0 0 20000: out of metadata space\n", r.stderr());

    r = Cli.run("thin_generate_metadata", "-o", scratch("missing.bin").toString(), "--seed", "1");
    assertEquals(64, r.status());
    assertTrue(r.stderr().startsWith("Couldn't find output file"), r::toString);

    r = Cli.run("thin_generate_metadata", "-o", out.toString(), "--script", "x", "--ops", "5");
    assertEquals(2, r.status());
    assertEquals("--ops needs --seed\n", r.stderr());
  }

  /** Device id to (vblock to "data@time"), from the model. */
  static SortedMap<Long, SortedMap<Long, String>> expected(PoolModel.State s) {
    SortedMap<Long, SortedMap<Long, String>> out = new TreeMap<>();
    for (Map.Entry<Long, PoolModel.Device> d : s.devices().entrySet()) {
      SortedMap<Long, String> m = new TreeMap<>();
      for (Map.Entry<Long, PoolModel.Mapping> e : d.getValue().map().entrySet()) {
        m.put(e.getKey(), e.getValue().data() + "@" + e.getValue().time());
      }
      out.put(d.getKey(), m);
    }
    return out;
  }

  private static final Pattern DEVICE = Pattern.compile("<device dev_id=\"(\\d+)\"");
  private static final Pattern SINGLE =
      Pattern.compile(
          "<single_mapping origin_block=\"(\\d+)\" data_block=\"(\\d+)\" time=\"(\\d+)\"");
  private static final Pattern RANGE =
      Pattern.compile(
          "<range_mapping origin_begin=\"(\\d+)\" data_begin=\"(\\d+)\" length=\"(\\d+)\""
              + " time=\"(\\d+)\"");

  /** The same shape, from thin_dump XML. */
  static SortedMap<Long, SortedMap<Long, String>> parse(String xml) {
    SortedMap<Long, SortedMap<Long, String>> out = new TreeMap<>();
    SortedMap<Long, String> cur = null;
    for (String line : xml.split("\n")) {
      Matcher m;
      if ((m = DEVICE.matcher(line)).find()) {
        cur = new TreeMap<>();
        out.put(Long.parseLong(m.group(1)), cur);
      } else if ((m = SINGLE.matcher(line)).find()) {
        cur.put(Long.parseLong(m.group(1)), m.group(2) + "@" + m.group(3));
      } else if ((m = RANGE.matcher(line)).find()) {
        long o = Long.parseLong(m.group(1));
        long d = Long.parseLong(m.group(2));
        for (long i = 0; i < Long.parseLong(m.group(3)); i++) {
          cur.put(o + i, (d + i) + "@" + m.group(4));
        }
      }
    }
    return out;
  }
}
