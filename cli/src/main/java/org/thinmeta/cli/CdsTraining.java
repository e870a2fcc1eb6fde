package org.thinmeta.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.util.function.Supplier;
import org.thinmeta.cli.support.ToolCommand;
import org.thinmeta.cli.support.ToolContext;

/**
 * The training run behind the class-data sharing archive built at package time ({@code thinmeta
 * --cds-training}): parses every tool's options and prints its help into memory, so that the
 * classes a tool needs before it touches metadata are in the archive.
 */
final class CdsTraining {
  private CdsTraining() {}

  /** Exercises every tool's start-up path; returns 0. */
  static int run() throws IOException {
    for (Supplier<ToolCommand> tool : Tools.all().values()) {
      ByteArrayOutputStream sink = new ByteArrayOutputStream();
      PrintStream err = new PrintStream(sink, true, StandardCharsets.UTF_8);
      ToolContext ctx =
          new ToolContext(
              sink,
              err,
              new java.io.ByteArrayInputStream(new byte[0]),
              FileSystems.getDefault(),
              false);
      ToolCommand command = tool.get();
      command.setContext(ctx);
      Main.execute(command, new String[] {"--help"}, ctx);
      ToolCommand again = tool.get();
      again.setContext(ctx);
      Main.execute(again, new String[] {"--no-such-option"}, ctx);
    }
    workOnATinyPool();
    return 0;
  }

  /**
   * Restores a two-device pool into a temporary file, then checks, dumps, lists, compares,
   * reverse-maps and repairs it.
   */
  private static void workOnATinyPool() throws IOException {
    java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("thinmeta-cds");
    java.nio.file.Path xml = dir.resolve("pool.xml");
    java.nio.file.Path meta = dir.resolve("pool.bin");
    java.nio.file.Path repaired = dir.resolve("repaired.bin");
    try {
      java.nio.file.Files.writeString(
          xml,
          "<superblock uuid=\"\" time=\"1\" transaction=\"2\" data_block_size=\"128\""
              + " nr_data_blocks=\"1024\">\n"
              + "  <device dev_id=\"1\" mapped_blocks=\"3\" transaction=\"0\""
              + " creation_time=\"0\" snap_time=\"1\">\n"
              + "    <range_mapping origin_begin=\"0\" data_begin=\"0\" length=\"2\""
              + " time=\"0\"/>\n"
              + "    <single_mapping origin_block=\"9\" data_block=\"7\" time=\"1\"/>\n"
              + "  </device>\n"
              + "  <device dev_id=\"2\" mapped_blocks=\"2\" transaction=\"1\""
              + " creation_time=\"1\" snap_time=\"1\">\n"
              + "    <range_mapping origin_begin=\"0\" data_begin=\"0\" length=\"2\""
              + " time=\"0\"/>\n"
              + "  </device>\n"
              + "</superblock>\n",
          StandardCharsets.UTF_8);
      java.nio.file.Files.write(meta, new byte[64 * 4096]);
      String m = meta.toString();
      run("thin_restore", "-i", xml.toString(), "-o", m);
      run("thin_check", m);
      run("thin_dump", m);
      run("thin_ls", "-o", "DEV,MAPPED,EXCLUSIVE_BLOCKS,SHARED_BLOCKS", m);
      // The tools whose whole run on a big pool is shorter than class loading without the archive.
      run("thin_delta", "--snap1", "1", "--snap2", "2", m);
      run("thin_rmap", "--region", "0..1024", m);
      java.nio.file.Files.write(repaired, new byte[64 * 4096]);
      run("thin_repair", "-i", m, "-o", repaired.toString());
    } finally {
      java.nio.file.Files.deleteIfExists(xml);
      java.nio.file.Files.deleteIfExists(meta);
      java.nio.file.Files.deleteIfExists(repaired);
      java.nio.file.Files.deleteIfExists(dir);
    }
  }

  private static void run(String... args) {
    ByteArrayOutputStream sink = new ByteArrayOutputStream();
    PrintStream err = new PrintStream(sink, true, StandardCharsets.UTF_8);
    Main.run(
        args,
        new ToolContext(
            sink,
            err,
            new java.io.ByteArrayInputStream(new byte[0]),
            FileSystems.getDefault(),
            false));
  }
}
