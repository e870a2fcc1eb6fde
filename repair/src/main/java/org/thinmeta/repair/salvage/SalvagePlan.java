package org.thinmeta.repair.salvage;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import org.thinmeta.pdata.io.BlockDevice;
import org.thinmeta.thin.format.BlockTime;
import org.thinmeta.thin.format.DeviceDetails;
import org.thinmeta.thin.ir.DeviceInfo;
import org.thinmeta.thin.ir.MetadataVisitor;
import org.thinmeta.thin.ir.RunMerger;
import org.thinmeta.thin.ir.SuperblockInfo;

/**
 * The repaired pool that salvage worked out: the superblock values, the devices and where each
 * piece came from. {@link #emit} streams it as IR events (live leaves are re-read, not held in
 * memory), ready for a restorer or an XML writer; {@link #reportLines} and {@link #reportJson}
 * describe what was recovered and lost.
 */
public final class SalvagePlan {
  private final BlockDevice dev;
  private final ScanResult scan;
  private final LeafReader leaves;
  private final List<DeviceSalvage> devices;
  private final long time;
  private final long transactionId;
  private final long dataBlockSize;
  private final long nrDataBlocks;
  private final long dataBound;
  private final SalvageReport report;
  private final boolean superblockRebuilt;

  SalvagePlan(
      BlockDevice dev,
      ScanResult scan,
      LeafReader leaves,
      List<DeviceSalvage> devices,
      long time,
      long transactionId,
      long dataBlockSize,
      long nrDataBlocks,
      long dataBound,
      SalvageReport report,
      boolean superblockRebuilt) {
    this.dev = dev;
    this.scan = scan;
    this.leaves = leaves;
    this.devices = devices;
    this.time = time;
    this.transactionId = transactionId;
    this.dataBlockSize = dataBlockSize;
    this.nrDataBlocks = nrDataBlocks;
    this.dataBound = dataBound;
    this.report = report;
    this.superblockRebuilt = superblockRebuilt;
  }

  /** The devices of the repaired pool, ascending id. */
  public List<DeviceSalvage> devices() {
    return Collections.unmodifiableList(devices);
  }

  /** The superblock the repaired pool gets: flags clear, version 2, no metadata snapshot. */
  public SuperblockInfo superblock() {
    return new SuperblockInfo("", time, transactionId, 0L, 2L, dataBlockSize, nrDataBlocks, null);
  }

  /** True if the superblock had to be rebuilt. */
  public boolean superblockRebuilt() {
    return superblockRebuilt;
  }

  /** The details written for {@code d}: mapped_blocks recounted, stale times made safe. */
  public DeviceInfo deviceInfo(DeviceSalvage d) {
    long mapped = d.mappings();
    DeviceDetails x = d.details;
    return switch (d.detailsSource) {
      case LIVE ->
          new DeviceInfo(d.id, mapped, x.transactionId(), x.creationTime(), x.snapshottedTime());
        // Details from old copies may predate a snapshot of the device: treating every mapping
        // as possibly shared (snapshotted_time = pool time) is always safe.
      case SNAPSHOT, ORPHAN ->
          new DeviceInfo(
              d.id,
              mapped,
              x.transactionId(),
              x.creationTime(),
              Math.max(x.snapshottedTime(), time));
      default -> new DeviceInfo(d.id, mapped, 0, 0, time);
    };
  }

  /** Streams the repaired pool to {@code out}. */
  public void emit(MetadataVisitor out) throws IOException {
    out.superblockBegin(superblock());
    for (DeviceSalvage d : devices) {
      out.deviceBegin(deviceInfo(d));
      Merge m = new Merge(new RunMerger(out), d.fills);
      if (d.rootSource == Source.LIVE) {
        LeafReader.EntrySink sink =
            (k, v) -> {
              if (dataBound < 0 || BlockTime.dataBlock(v) < dataBound) {
                m.add(k, v);
              }
            };
        for (int i = 0; i < d.liveLeaves.size(); i++) {
          leaves.forEach(d.liveLeaves.get(i), sink);
        }
      } else {
        for (int i = 0; i < d.extra.size(); i++) {
          m.add(d.extra.key(i), d.extra.value(i));
        }
      }
      m.finish();
      out.deviceEnd();
    }
    out.superblockEnd();
  }

  /** Merges a stream of mappings in key order with the (sorted) fills of its holes. */
  private static final class Merge {
    private final RunMerger out;
    private final MappingList fills;
    private int next;

    Merge(RunMerger out, MappingList fills) {
      this.out = out;
      this.fills = fills;
    }

    void add(long key, long value) throws IOException {
      while (next < fills.size() && Long.compareUnsigned(fills.key(next), key) < 0) {
        emit(fills.key(next), fills.value(next));
        next++;
      }
      emit(key, value);
    }

    void finish() throws IOException {
      for (; next < fills.size(); next++) {
        emit(fills.key(next), fills.value(next));
      }
      out.flush();
    }

    private void emit(long key, long value) throws IOException {
      out.add(key, BlockTime.dataBlock(value), BlockTime.time(value));
    }
  }

  /** True if the input needed no salvage at all (a sound pool: repair is a plain copy). */
  public boolean clean() {
    if (superblockRebuilt || !report.notes.isEmpty() || !report.lost.isEmpty()) {
      return false;
    }
    for (DeviceSalvage d : devices) {
      if (!d.clean()) {
        return false;
      }
    }
    return true;
  }

  /** A concise human-readable account of what was recovered and lost (empty when clean). */
  public List<String> reportLines() {
    List<String> out = new ArrayList<>();
    if (clean()) {
      return out;
    }
    out.addAll(report.superblock);
    out.addAll(report.notes);
    long total = 0;
    for (DeviceSalvage d : devices) {
      total += d.mappings();
      if (d.clean()) {
        continue;
      }
      out.add(deviceLine(d));
      for (DeviceSalvage.MappingHole h : d.holes) {
        out.add("  " + holeLine(h));
      }
      for (String n : d.notes) {
        out.add("  " + n);
      }
    }
    for (String l : report.lost) {
      out.add("not recovered (lost if anything was mapped there): " + l);
    }
    out.add(
        String.format(
            Locale.ROOT,
            "salvaged %d device%s, %d mapping%s",
            devices.size(),
            devices.size() == 1 ? "" : "s",
            total,
            total == 1 ? "" : "s"));
    return out;
  }

  private static String deviceLine(DeviceSalvage d) {
    StringBuilder sb = new StringBuilder();
    sb.append("device ").append(Long.toUnsignedString(d.id)).append(": ");
    sb.append(d.mappings()).append(" mappings kept");
    List<String> parts = new ArrayList<>();
    if (d.liveMappings() > 0) {
      parts.add(d.liveMappings() + " live");
    }
    if (d.baseMappings() > 0) {
      parts.add(d.baseMappings() + " from the " + d.rootSource.text());
    }
    if (d.snapshotFills() > 0) {
      parts.add(d.snapshotFills() + " refilled from the metadata snapshot");
    }
    if (d.orphanFills() > 0) {
      parts.add(d.orphanFills() + " refilled from orphaned leaves");
    }
    if (d.lostFills() > 0) {
      parts.add(d.lostFills() + " refilled from cut-off subtrees");
    }
    if (!parts.isEmpty()) {
      sb.append(" (").append(String.join(", ", parts)).append(')');
    }
    if (d.rootSource != Source.LIVE) {
      sb.append("; mapping tree: ").append(d.rootSource.text());
    }
    if (d.detailsSource != Source.LIVE) {
      sb.append("; details: ").append(d.detailsSource.text());
    }
    if (d.droppedConflicts() > 0) {
      sb.append("; dropped ")
          .append(d.droppedConflicts())
          .append(" whose data block another kept mapping holds");
    }
    if (d.droppedFree() > 0) {
      sb.append("; dropped ")
          .append(d.droppedFree())
          .append(" stale (data block free in the space map)");
    }
    if (d.droppedBeyondEnd() > 0) {
      sb.append("; dropped ")
          .append(d.droppedBeyondEnd())
          .append(" beyond the pool's last data block");
    }
    if (d.sortedLeaves > 0) {
      sb.append("; ").append(d.sortedLeaves).append(" leaves sorted");
    }
    return sb.toString();
  }

  private static String holeLine(DeviceSalvage.MappingHole h) {
    StringBuilder sb = new StringBuilder("hole at thin blocks ").append(h.hole());
    List<String> parts = new ArrayList<>();
    if (h.fromSnapshot() > 0 || h.snapshotTried()) {
      parts.add(h.fromSnapshot() + " refilled from the metadata snapshot");
    }
    if (h.fromOrphans() > 0) {
      parts.add(h.fromOrphans() + " from orphaned leaves");
    }
    if (!h.lostBlocks().isEmpty()) {
      List<Long> b = h.lostBlocks();
      parts.add(
          h.fromLost()
              + " from "
              + (b.size() == 1
                  ? "the cut-off subtree at block " + b.get(0)
                  : b.size()
                      + " cut-off subtrees (blocks "
                      + (b.size() <= 4 ? b.toString() : b.subList(0, 4) + "...")
                      + ")"));
    }
    if (!parts.isEmpty()) {
      sb.append(": ").append(String.join(", ", parts));
    }
    if (h.remaining().isEmpty()) {
      sb.append("; fully covered");
    } else {
      sb.append("; not covered: ");
      List<String> s = new ArrayList<>();
      for (Span x : h.remaining().spans()) {
        s.add(x.toString());
      }
      sb.append(String.join(", ", s));
    }
    return sb.toString();
  }

  /** The same account as JSON. */
  public String reportJson() {
    StringBuilder sb = new StringBuilder();
    sb.append("{\n  \"clean\": ").append(clean());
    sb.append(",\n  \"superblock\": {\"rebuilt\": ").append(superblockRebuilt);
    sb.append(", \"transaction\": ").append(Long.toUnsignedString(transactionId));
    sb.append(", \"time\": ").append(time);
    sb.append(", \"data_block_size\": ").append(dataBlockSize);
    sb.append(", \"nr_data_blocks\": ").append(nrDataBlocks);
    sb.append(", \"notes\": ");
    strings(sb, report.superblock);
    sb.append("},\n  \"notes\": ");
    strings(sb, report.notes);
    sb.append(",\n  \"lost\": ");
    strings(sb, report.lost);
    sb.append(",\n  \"devices\": [");
    for (int i = 0; i < devices.size(); i++) {
      DeviceSalvage d = devices.get(i);
      sb.append(i == 0 ? "\n" : ",\n");
      sb.append("    {\"dev_id\": ").append(Long.toUnsignedString(d.id));
      sb.append(", \"mappings\": ").append(d.mappings());
      sb.append(", \"live\": ").append(d.liveMappings());
      sb.append(", \"from_tree\": ").append(d.baseMappings());
      sb.append(", \"from_snapshot\": ").append(d.snapshotFills());
      sb.append(", \"from_orphans\": ").append(d.orphanFills());
      sb.append(", \"from_cut_off_subtrees\": ").append(d.lostFills());
      sb.append(", \"dropped_conflicts\": ").append(d.droppedConflicts());
      sb.append(", \"dropped_beyond_end\": ").append(d.droppedBeyondEnd());
      sb.append(", \"dropped_free\": ").append(d.droppedFree());
      sb.append(", \"mapping_tree\": ");
      string(sb, d.rootSource.name().toLowerCase(Locale.ROOT));
      sb.append(", \"details\": ");
      string(sb, d.detailsSource.name().toLowerCase(Locale.ROOT));
      sb.append(", \"holes\": [");
      for (int j = 0; j < d.holes.size(); j++) {
        DeviceSalvage.MappingHole h = d.holes.get(j);
        sb.append(j == 0 ? "" : ", ");
        sb.append("{\"begin\": ").append(Long.toUnsignedString(h.hole().keys().lo()));
        sb.append(", \"end\": ");
        if (h.hole().keys().open()) {
          sb.append("null");
        } else {
          sb.append(Long.toUnsignedString(h.hole().keys().hi()));
        }
        sb.append(", \"block\": ").append(h.hole().block());
        sb.append(", \"cause\": ");
        string(sb, h.hole().cause());
        sb.append(", \"from_snapshot\": ").append(h.fromSnapshot());
        sb.append(", \"from_orphans\": ").append(h.fromOrphans());
        sb.append(", \"from_cut_off_subtrees\": ").append(h.fromLost());
        sb.append(", \"not_covered\": ");
        List<String> rem = new ArrayList<>();
        for (Span s : h.remaining().spans()) {
          rem.add(s.toString());
        }
        strings(sb, rem);
        sb.append('}');
      }
      sb.append("], \"notes\": ");
      strings(sb, d.notes);
      sb.append('}');
    }
    sb.append(devices.isEmpty() ? "]\n}\n" : "\n  ]\n}\n");
    return sb.toString();
  }

  private static void strings(StringBuilder sb, List<String> l) {
    sb.append('[');
    for (int i = 0; i < l.size(); i++) {
      if (i > 0) {
        sb.append(", ");
      }
      string(sb, l.get(i));
    }
    sb.append(']');
  }

  private static void string(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        default -> {
          if (c < 0x20) {
            sb.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    sb.append('"');
  }

  /** Number of metadata blocks the scan read. */
  public long scannedBlocks() {
    return scan.nrBlocks();
  }

  BlockDevice device() {
    return dev;
  }
}
