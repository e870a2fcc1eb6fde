package org.thinmeta.thin.ir;

/**
 * The superblock as the XML shows it.
 *
 * @param flags null when absent from XML
 * @param version null when absent from XML
 * @param metadataSnap null when absent
 */
public record SuperblockInfo(
    String uuid,
    long time,
    long transaction,
    Long flags,
    Long version,
    long dataBlockSize,
    long nrDataBlocks,
    Long metadataSnap) {}
