/**
 * thin_trim: discards the data blocks a pool does not use (format doc §10.4), after a metadata
 * check that a failing pool never gets past.
 */
package org.thinmeta.repair.trim;
