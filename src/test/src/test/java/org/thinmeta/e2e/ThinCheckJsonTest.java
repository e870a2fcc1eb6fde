package org.thinmeta.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code thin_check --format json}: one parseable document holding what the text output says. */
class ThinCheckJsonTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @ParameterizedTest
  @ValueSource(
      strings = {
        "tmeta_with_corrupted_metadata_snap",
        "corrupted_tmeta_with_metadata_snap",
        "tmeta_device_id_reuse_with_corrupted_thins"
      })
  void damagedFixture_jsonHoldsTheProblemsTheTextNames(String name) throws Exception {
    assumeTrue(Fixtures.available());
    String image = Fixtures.image(name).toString();

    Cli.Result text = Cli.run("thin_check", image);
    Cli.Result json = Cli.run("thin_check", "--format", "json", image);

    assertEquals(64, text.status(), text::toString);
    assertEquals(64, json.status(), json::toString);
    JsonNode doc = JSON.readTree(json.stdoutBytes());
    assertEquals("fatal", doc.get("verdict").asText());
    assertEquals(64, doc.get("exit_status").asInt());
    List<String> lines = text.stderr().lines().toList();
    assertTrue(doc.get("problems").size() > 0, json::toString);
    for (JsonNode p : doc.get("problems")) {
      assertTrue(lines.contains(p.get("message").asText()), "text names " + p);
      assertEquals("fatal", p.get("severity").asText());
    }
    assertEquals(lines.get(lines.size() - 1), doc.get("message").asText());
  }

  @ParameterizedTest
  @org.junit.jupiter.params.provider.CsvSource({
    "tmeta_with_corrupted_metadata_snap, metadata_snapshot:7:",
    "corrupted_tmeta_with_metadata_snap, details_tree:6: top_level_tree:20:",
    "tmeta_device_id_reuse_with_corrupted_thins, mapping_tree:1:1 device_mappings:1:1"
  })
  void damagedFixture_jsonNamesKindsBlocksAndDevices(String name, String expected)
      throws Exception {
    assumeTrue(Fixtures.available());

    Cli.Result json = Cli.run("thin_check", "--format", "json", Fixtures.image(name).toString());

    JsonNode doc = JSON.readTree(json.stdoutBytes());
    List<String> found = new java.util.ArrayList<>();
    for (JsonNode p : doc.get("problems")) {
      found.add(
          p.get("kind").asText()
              + ":"
              + (p.get("block").isNull() ? "" : p.get("block").asText())
              + ":"
              + (p.get("device").isNull() ? "" : p.get("device").asText()));
    }
    assertEquals(List.of(expected.split(" ")), found, json::toString);
  }

  @Test
  void validFixture_isClean_withTheSuperblockFacts() throws Exception {
    assumeTrue(Fixtures.available());
    String image = Fixtures.image("tmeta").toString();

    Cli.Result json = Cli.run("thin_check", "--format", "json", image);

    assertEquals(0, json.status(), json::toString);
    JsonNode doc = JSON.readTree(json.stdoutBytes());
    assertEquals("clean", doc.get("verdict").asText());
    assertEquals(21, doc.get("transaction_id").asLong());
    assertEquals(16096, doc.get("metadata_free_blocks").asLong());
    assertEquals(0, doc.get("problems").size());
    assertTrue(!json.stdout().contains("TRANSACTION_ID="), "only JSON on stdout");
  }

  @Test
  void missingInput_stillPrintsAJsonVerdict() throws Exception {
    Cli.Result json = Cli.run("thin_check", "--format", "json", "/nonexistent/meta.bin");

    assertEquals(64, json.status());
    JsonNode doc = JSON.readTree(json.stdoutBytes());
    assertEquals("error", doc.get("verdict").asText());
    assertEquals("Couldn't find input file '/nonexistent/meta.bin'", doc.get("message").asText());
  }
}
