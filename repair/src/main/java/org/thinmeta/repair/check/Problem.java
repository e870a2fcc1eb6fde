package org.thinmeta.repair.check;

import org.thinmeta.pdata.damage.Severity;

/**
 * One problem found by {@link ThinChecker}: what kind, how bad, where (metadata block, or data
 * block for data space-map problems) and which thin device it affects.
 *
 * @param kind the class of problem
 * @param severity fatal or not
 * @param block the metadata block (or, for data space-map counts, the data block), or -1
 * @param devId the thin device affected, or -1
 * @param message one line describing it, with block numbers
 */
public record Problem(Kind kind, Severity severity, long block, long devId, String message) {
  /** Classes of problem, each with a short label for summaries. */
  public enum Kind {
    /** The superblock checksum is wrong. */
    SUPERBLOCK_CHECKSUM("superblock checksum"),
    /** The superblock magic number is wrong. */
    SUPERBLOCK_MAGIC("superblock magic"),
    /** The superblock's blocknr is not its location. */
    SUPERBLOCK_BLOCKNR("superblock block number"),
    /** The superblock asks for features the kernel does not have. */
    SUPERBLOCK_FEATURES("superblock features"),
    /** The device is smaller than the metadata it claims to hold. */
    DEVICE_TOO_SMALL("metadata device size"),
    /** The metadata snapshot's superblock or trees are unusable. */
    METADATA_SNAPSHOT("metadata snapshot"),
    /** A node of a device-details tree is damaged. */
    DETAILS_TREE("device details tree"),
    /** A node of a top-level mapping tree is damaged. */
    TOP_LEVEL_TREE("mapping top-level"),
    /** The details tree and the top-level mapping tree hold different device ids. */
    DEVICE_IDS("device ids"),
    /** A node of a bottom-level mapping tree is damaged. */
    MAPPING_TREE("data mapping tree"),
    /** A mapping points at or beyond the end of the data device. */
    DATA_BLOCK_OUT_OF_RANGE("data block beyond the data device"),
    /** A device's mapped_blocks differs from the mappings found, or its tree is damaged. */
    DEVICE_MAPPINGS("device mappings"),
    /** The data space map's index, bitmaps or ref-count tree are unusable. */
    DATA_SPACE_MAP("data space map"),
    /** The metadata space map's index, bitmaps or ref-count tree are unusable. */
    METADATA_SPACE_MAP("metadata space map"),
    /** A data block is counted on disk but unused. */
    DATA_LEAK("data leak"),
    /** A data block's on-disk count differs from its use (other than a leak). */
    DATA_BAD_COUNT("data reference count"),
    /** A metadata block is counted on disk but unused. */
    METADATA_LEAK("metadata leak"),
    /** A metadata block's on-disk count differs from its use (other than a leak). */
    METADATA_BAD_COUNT("metadata reference count");

    private final String label;

    Kind(String label) {
      this.label = label;
    }

    /** Short label, as used in summaries. */
    public String label() {
      return label;
    }
  }

  /** True if this problem is fatal. */
  public boolean isFatal() {
    return severity == Severity.FATAL;
  }
}
