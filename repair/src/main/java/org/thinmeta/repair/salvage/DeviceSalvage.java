package org.thinmeta.repair.salvage;

import java.util.ArrayList;
import java.util.List;
import org.thinmeta.thin.format.DeviceDetails;

/** What salvage decided for one thin device, and what it kept and lost. */
public final class DeviceSalvage {
  /** A hole in the device's mapping tree and how much of it was refilled. */
  public static final class MappingHole {
    private final Hole hole;
    private final SpanSet remaining;
    private long fromSnapshot;
    private long fromOrphans;
    private long fromLost;
    private final List<Long> lostBlocks = new ArrayList<>();
    private boolean snapshotTried;

    MappingHole(Hole hole) {
      this.hole = hole;
      this.remaining = SpanSet.of(hole.keys());
    }

    /** The hole. */
    public Hole hole() {
      return hole;
    }

    /** Keys no evidence covered (mappings there, if any, are lost). */
    public SpanSet remaining() {
      return remaining;
    }

    /** Mappings refilled from the metadata snapshot. */
    public long fromSnapshot() {
      return fromSnapshot;
    }

    /** Mappings refilled from orphaned leaves. */
    public long fromOrphans() {
      return fromOrphans;
    }

    /** Mappings refilled from subtrees that damage cut off (see {@link #lostBlocks}). */
    public long fromLost() {
      return fromLost;
    }

    /** Roots of the cut-off subtrees given back to this hole. */
    public List<Long> lostBlocks() {
      return lostBlocks;
    }

    void addLost(long block, long n) {
      lostBlocks.add(block);
      fromLost += n;
    }

    /** True if the metadata snapshot's copy of the device was consulted. */
    public boolean snapshotTried() {
      return snapshotTried;
    }

    void addSnapshot(long n) {
      fromSnapshot += n;
    }

    void addOrphans(long n) {
      fromOrphans += n;
    }

    void markSnapshotTried() {
      snapshotTried = true;
    }
  }

  final long id;
  Source rootSource = Source.NONE;
  long root = -1;
  DeviceDetails details;
  Source detailsSource = Source.NONE;
  boolean included;
  final IntList liveLeaves = new IntList();

  /** Mappings of the device's own non-live tree, admitted in key order. */
  final MappingList extra = new MappingList();

  /** Mappings refilled into holes (any order until sorted at the end), with an index by key. */
  final MappingList fills = new MappingList();

  final java.util.Map<Long, Long> fillIndex = new java.util.HashMap<>();
  long liveCount;
  long fromBase;
  long droppedConflicts;
  long droppedBeyondEnd;
  long droppedFree;
  long sortedLeaves;
  final List<MappingHole> holes = new ArrayList<>();
  final List<String> notes = new ArrayList<>();

  DeviceSalvage(long id) {
    this.id = id;
  }

  /** The thin device id. */
  public long id() {
    return id;
  }

  /** Where the mapping tree came from. */
  public Source rootSource() {
    return rootSource;
  }

  /** Where the details came from. */
  public Source detailsSource() {
    return detailsSource;
  }

  /** Mappings written for the device. */
  public long mappings() {
    return liveCount + extra.size() + fills.size();
  }

  /** Mappings taken from the live trees. */
  public long liveMappings() {
    return liveCount;
  }

  /** Mappings taken from the device's own non-live tree (snapshot, matched or orphan root). */
  public long baseMappings() {
    return fromBase;
  }

  /** Mappings refilled into holes from the metadata snapshot. */
  public long snapshotFills() {
    long n = 0;
    for (MappingHole h : holes) {
      n += h.fromSnapshot;
    }
    return n;
  }

  /** Mappings refilled into holes from orphaned leaves. */
  public long orphanFills() {
    long n = 0;
    for (MappingHole h : holes) {
      n += h.fromOrphans;
    }
    return n;
  }

  /** Mappings refilled into holes from cut-off subtrees. */
  public long lostFills() {
    long n = 0;
    for (MappingHole h : holes) {
      n += h.fromLost;
    }
    return n;
  }

  /** Mappings dropped because their data block is held by another kept mapping. */
  public long droppedConflicts() {
    return droppedConflicts;
  }

  /** Mappings dropped because their data block is beyond the pool's data blocks. */
  public long droppedBeyondEnd() {
    return droppedBeyondEnd;
  }

  /** Mappings dropped because the data space map shows their data block free (stale). */
  public long droppedFree() {
    return droppedFree;
  }

  /** Holes in the device's mapping tree. */
  public List<MappingHole> holes() {
    return holes;
  }

  /** Other findings about the device. */
  public List<String> notes() {
    return notes;
  }

  /** True if nothing about the device needed salvage. */
  public boolean clean() {
    return rootSource == Source.LIVE
        && detailsSource == Source.LIVE
        && holes.isEmpty()
        && droppedConflicts == 0
        && droppedBeyondEnd == 0
        && droppedFree == 0
        && sortedLeaves == 0
        && notes.isEmpty();
  }
}
