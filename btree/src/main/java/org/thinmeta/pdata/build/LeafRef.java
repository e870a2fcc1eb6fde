package org.thinmeta.pdata.build;

/**
 * A leaf already written to the output, which a builder can take into a tree without copying it
 * (shared subtrees).
 *
 * @param block where the leaf is
 * @param firstKey its first key (0 if empty)
 * @param lastKey its last key (0 if empty)
 * @param nrEntries its number of entries
 */
public record LeafRef(long block, long firstKey, long lastKey, int nrEntries) {}
