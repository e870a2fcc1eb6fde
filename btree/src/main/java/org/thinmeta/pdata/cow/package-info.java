/**
 * Copy-on-write btrees of the write path (the kernel's dm-btree, modelled): lookup, insert with
 * top-down splitting, remove with the kernel's redistribution and merging of siblings, and deletion
 * of whole trees, all through a {@link org.thinmeta.pdata.tm.TransactionManager} so that a shared
 * node is copied before it changes and its children gain a reference.
 */
package org.thinmeta.pdata.cow;
