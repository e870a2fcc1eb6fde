package org.thinmeta.thin.ir;

/** A thin device's details as the XML shows them. */
public record DeviceInfo(
    long devId, long mappedBlocks, long transaction, long creationTime, long snapTime) {}
