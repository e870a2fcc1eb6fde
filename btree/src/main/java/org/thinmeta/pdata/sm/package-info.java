/**
 * The on-disk space maps of the write path: 2-bit bitmaps, the metadata index block or the data
 * index btree, and the overflow ref-count btree for counts of three and more; the metadata space
 * map's recursion into its own btree through a queue of deferred operations.
 */
package org.thinmeta.pdata.sm;
