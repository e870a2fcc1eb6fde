package org.thinmeta.e2e;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Per-device mappings (virtual block to data block) read from a stored 0.9.0 dump. */
final class DumpMappings {
  private static final Pattern DEVICE = Pattern.compile("<device dev_id=\"(\\d+)\"");
  private static final Pattern SINGLE =
      Pattern.compile("origin_block=\"(\\d+)\" data_block=\"(\\d+)\"");
  private static final Pattern RANGE =
      Pattern.compile("origin_begin=\"(\\d+)\" data_begin=\"(\\d+)\" length=\"(\\d+)\"");

  private DumpMappings() {}

  /** Device id to its mappings, from {@code NAME.dump.xml} (or {@code NAME.snap.dump.xml}). */
  static Map<Long, TreeMap<Long, Long>> read(String dumpFile) throws Exception {
    String xml = new String(Fixtures.stored(dumpFile), StandardCharsets.UTF_8);
    Map<Long, TreeMap<Long, Long>> out = new TreeMap<>();
    TreeMap<Long, Long> cur = null;
    for (String line : xml.split("\n")) {
      Matcher m = DEVICE.matcher(line);
      if (m.find()) {
        cur = new TreeMap<>();
        out.put(Long.parseLong(m.group(1)), cur);
        continue;
      }
      m = RANGE.matcher(line);
      if (m.find()) {
        long v = Long.parseLong(m.group(1));
        long d = Long.parseLong(m.group(2));
        long n = Long.parseLong(m.group(3));
        for (long i = 0; i < n; i++) {
          cur.put(v + i, d + i);
        }
        continue;
      }
      m = SINGLE.matcher(line);
      if (m.find()) {
        cur.put(Long.parseLong(m.group(1)), Long.parseLong(m.group(2)));
      }
    }
    return out;
  }
}
