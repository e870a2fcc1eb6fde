package org.thinmeta.thin.inspect;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.thinmeta.pdata.io.Blocks;
import org.thinmeta.thin.format.DeviceDetails;

/** The columns thin_ls can print (format doc §10.1), named as on its command line. */
public enum LsField {
  /** Device id. */
  DEV(false),
  /** Mappings, in data blocks. */
  MAPPED_BLOCKS(true),
  /** Mappings not shared, in data blocks. */
  EXCLUSIVE_BLOCKS(true),
  /** Shared mappings, in data blocks. */
  SHARED_BLOCKS(true),
  /** Highest mapped virtual block. */
  HIGHEST_BLOCK(true),
  /** Mappings, in sectors. */
  MAPPED_SECTORS(true),
  /** Mappings not shared, in sectors. */
  EXCLUSIVE_SECTORS(true),
  /** Shared mappings, in sectors. */
  SHARED_SECTORS(true),
  /** Last sector of the highest mapped block. */
  HIGHEST_SECTOR(true),
  /** Mappings, in bytes. */
  MAPPED_BYTES(true),
  /** Mappings not shared, in bytes. */
  EXCLUSIVE_BYTES(true),
  /** Shared mappings, in bytes. */
  SHARED_BYTES(true),
  /** Last byte of the highest mapped block. */
  HIGHEST_BYTE(true),
  /** Mappings, as a pretty size. */
  MAPPED(true),
  /** Mappings not shared, as a pretty size. */
  EXCLUSIVE(true),
  /** Shared mappings, as a pretty size. */
  SHARED(true),
  /** Last byte of the highest mapped block, as a pretty size. */
  HIGHEST_MAPPED(true),
  /** Details transaction id. */
  TRANSACTION(false),
  /** Details creation time. */
  CREATE_TIME(false),
  /** Details snapshotted time. */
  SNAP_TIME(false);

  /** The default columns of both reference versions. */
  public static final List<LsField> DEFAULT = List.of(DEV, MAPPED, CREATE_TIME, SNAP_TIME);

  private final boolean counting;

  LsField(boolean counting) {
    this.counting = counting;
  }

  /** True if the column needs a walk of the mappings. */
  public boolean counting() {
    return counting;
  }

  /**
   * Parses a comma-separated list of field names.
   *
   * @throws IllegalArgumentException {@code Unknown field} for any other name
   */
  public static List<LsField> parseList(String text) {
    List<LsField> out = new ArrayList<>();
    for (String name : text.split(",", -1)) {
      out.add(parse(name));
    }
    return out;
  }

  /** Parses one field name (exact case). */
  public static LsField parse(String name) {
    for (LsField f : values()) {
      if (f.name().equals(name)) {
        return f;
      }
    }
    throw new IllegalArgumentException("Unknown field");
  }

  /**
   * The cell text for one device.
   *
   * @param usage counts (zeros when no counting field was asked for)
   * @param dataBlockSize in sectors
   */
  public String cell(long devId, DeviceDetails d, MappingUsage.Usage usage, long dataBlockSize) {
    long bs = dataBlockSize;
    long mapped = usage.mapped();
    long shared = usage.shared();
    long ex = usage.exclusive();
    long hi = usage.highest();
    long sector = Blocks.SECTOR_SIZE;
    return switch (this) {
      case DEV -> u(devId);
      case TRANSACTION -> u(d.transactionId());
      case CREATE_TIME -> u(d.creationTime());
      case SNAP_TIME -> u(d.snapshottedTime());
      case MAPPED_BLOCKS -> u(mapped);
      case EXCLUSIVE_BLOCKS -> u(ex);
      case SHARED_BLOCKS -> u(shared);
      case HIGHEST_BLOCK -> u(hi);
      case MAPPED_SECTORS -> u(mapped * bs);
      case EXCLUSIVE_SECTORS -> u(ex * bs);
      case SHARED_SECTORS -> u(shared * bs);
      case HIGHEST_SECTOR -> u((hi + 1) * bs - 1);
      case MAPPED_BYTES -> u(mapped * bs * sector);
      case EXCLUSIVE_BYTES -> u(ex * bs * sector);
      case SHARED_BYTES -> u(shared * bs * sector);
      case HIGHEST_BYTE -> u((hi + 1) * bs * sector - 1);
      case MAPPED -> PrettySize.format(mapped * bs * sector);
      case EXCLUSIVE -> PrettySize.format(ex * bs * sector);
      case SHARED -> PrettySize.format(shared * bs * sector);
      case HIGHEST_MAPPED -> PrettySize.format((hi + 1) * bs * sector - 1);
    };
  }

  private static String u(long v) {
    return Long.toUnsignedString(v);
  }

  @Override
  public String toString() {
    return name().toUpperCase(Locale.ROOT);
  }
}
