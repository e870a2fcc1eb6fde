package org.thinmeta.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.common.jimfs.Configuration;
import com.google.common.jimfs.Jimfs;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;

/**
 * Fuzz regression: thin_restore wrote each device's {@code mapped_blocks} verbatim from the XML, so
 * an XML with a wrong count (a deleted mapping line) restored to metadata that thin_check rejects.
 * 0.9.0 recomputes the count from the mappings; so do we, including those spliced by {@code <ref>}.
 */
class RestoreRecountTest {
  static final String XML =
      "<superblock uuid=\"\" time=\"1\" transaction=\"2\" data_block_size=\"128\""
          + " nr_data_blocks=\"1024\">\n"
          + "  <def name=\"shared\">\n"
          + "    <range_mapping origin_begin=\"0\" data_begin=\"0\" length=\"3\" time=\"0\"/>\n"
          + "  </def>\n"
          + "  <device dev_id=\"1\" mapped_blocks=\"99\" transaction=\"0\" creation_time=\"0\""
          + " snap_time=\"1\">\n"
          + "    <ref name=\"shared\"/>\n"
          + "    <range_mapping origin_begin=\"10\" data_begin=\"10\" length=\"4\" time=\"0\"/>\n"
          + "  </device>\n"
          + "  <device dev_id=\"2\" mapped_blocks=\"0\" transaction=\"0\" creation_time=\"0\""
          + " snap_time=\"1\">\n"
          + "    <ref name=\"shared\"/>\n"
          + "    <single_mapping origin_block=\"20\" data_block=\"30\" time=\"1\"/>\n"
          + "  </device>\n"
          + "</superblock>\n";

  @Test
  void wrongMappedBlocks_isRecomputedAndTheResultChecksClean() throws Exception {
    try (FileSystem fs = Jimfs.newFileSystem(Configuration.unix())) {
      Files.writeString(fs.getPath("/in.xml"), XML);
      Files.write(fs.getPath("/out.bin"), new byte[1 << 20]);
      Cli.Result r = Cli.runIn(fs, "", "thin_restore", "-i", "/in.xml", "-o", "/out.bin");
      assertEquals(0, r.status(), r::toString);
      Cli.Result check = Cli.runIn(fs, "", "thin_check", "-q", "/out.bin");
      assertEquals(0, check.status(), check::toString);
      Cli.Result ls =
          Cli.runIn(fs, "", "thin_ls", "--no-headers", "-o", "DEV,MAPPED_BLOCKS", "/out.bin");
      assertEquals(0, ls.status(), ls::toString);
      assertEquals(
          java.util.List.of("1 7", "2 4"),
          ls.stdout().lines().map(l -> l.trim().replaceAll("\\s+", " ")).toList());
    }
  }
}
