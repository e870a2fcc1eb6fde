/**
 * Salvage of damaged thin metadata: a linear scan of every metadata block, then per device the best
 * evidence (live trees, the metadata snapshot, orphaned nodes only inside the holes that damage
 * left), emitted as IR events that a restorer writes as a fresh pool.
 */
package org.thinmeta.repair.salvage;
