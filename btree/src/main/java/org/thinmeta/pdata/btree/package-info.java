/** Persistent btrees: node layout, validation, walking. */
package org.thinmeta.pdata.btree;
