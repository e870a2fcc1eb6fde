/**
 * Bulk writing of fresh metadata (restore, repair): bottom-up btree construction with full leaves,
 * in-memory reference counts for metadata and data blocks, and writers of both space maps (format
 * doc §9.3, §9.5, §9.6). Nothing here shadows or overwrites live blocks: it lays out a new image.
 */
package org.thinmeta.pdata.build;
