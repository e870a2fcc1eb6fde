package org.thinmeta.e2e;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A thin_dump XML document parsed into devices and single mappings, for comparisons in tests. */
record DumpModel(Map<String, String> superblock, SortedMap<Long, Device> devices) {
  /** One mapping: data block and time. */
  record Mapping(long data, long time) {}

  /** A device's attributes and its mappings by thin block. */
  record Device(Map<String, String> attrs, SortedMap<Long, Mapping> mappings) {
    long attr(String name) {
      return Long.parseLong(attrs.get(name));
    }
  }

  private static final Pattern TAG = Pattern.compile("<(\\w+)((?:\\s+\\w+=\"[^\"]*\")*)\\s*/?>");
  private static final Pattern ATTR = Pattern.compile("(\\w+)=\"([^\"]*)\"");

  static DumpModel parse(String xml) {
    Map<String, String> sb = null;
    SortedMap<Long, Device> devices = new TreeMap<>();
    Device cur = null;
    Matcher m = TAG.matcher(xml);
    while (m.find()) {
      Map<String, String> a = new LinkedHashMap<>();
      Matcher am = ATTR.matcher(m.group(2));
      while (am.find()) {
        a.put(am.group(1), am.group(2));
      }
      switch (m.group(1)) {
        case "superblock" -> sb = a;
        case "device" -> {
          cur = new Device(a, new TreeMap<>());
          devices.put(Long.parseLong(a.get("dev_id")), cur);
        }
        case "single_mapping" ->
            cur.mappings()
                .put(
                    Long.parseLong(a.get("origin_block")),
                    new Mapping(
                        Long.parseLong(a.get("data_block")), Long.parseLong(a.get("time"))));
        case "range_mapping" -> {
          long o = Long.parseLong(a.get("origin_begin"));
          long d = Long.parseLong(a.get("data_begin"));
          long n = Long.parseLong(a.get("length"));
          long t = Long.parseLong(a.get("time"));
          for (long i = 0; i < n; i++) {
            cur.mappings().put(o + i, new Mapping(d + i, t));
          }
        }
        default -> throw new IllegalArgumentException("unexpected tag " + m.group(1));
      }
    }
    if (sb == null) {
      throw new IllegalArgumentException("no superblock in dump");
    }
    return new DumpModel(sb, devices);
  }

  /** Total number of mappings over all devices. */
  long totalMappings() {
    long n = 0;
    for (Device d : devices.values()) {
      n += d.mappings().size();
    }
    return n;
  }

  /** Mappings per device, for messages. */
  Map<Long, Integer> counts() {
    Map<Long, Integer> c = new TreeMap<>();
    devices.forEach((k, v) -> c.put(k, v.mappings().size()));
    return c;
  }

  /**
   * Problems with this (repaired) dump seen against the undamaged {@code original}: every mapping
   * must be one the original had for the same device, and a data block may only be held by several
   * mappings if the original shared it the same way.
   */
  List<String> violationsAgainst(DumpModel original) {
    List<String> out = new ArrayList<>();
    for (Map.Entry<Long, Device> e : devices.entrySet()) {
      Device o = original.devices().get(e.getKey());
      for (Map.Entry<Long, Mapping> m : e.getValue().mappings().entrySet()) {
        Mapping om = o == null ? null : o.mappings().get(m.getKey());
        if (!m.getValue().equals(om)) {
          out.add(
              "device "
                  + e.getKey()
                  + " block "
                  + m.getKey()
                  + " -> "
                  + m.getValue()
                  + " was "
                  + om);
        }
      }
    }
    return out;
  }
}
