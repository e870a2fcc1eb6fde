/**
 * Read-only inspection of thin metadata: sizes and units, device listings with shared/exclusive
 * counts (thin_ls), mapping differences (thin_delta) and reverse maps (thin_rmap).
 */
package org.thinmeta.thin.inspect;
