/**
 * Persistent data: the lowest layer of thinmeta. Block I/O, CRC32C-checked blocks, persistent
 * btrees and space maps, with no knowledge of thin provisioning. Depends on nothing but the JDK.
 */
package org.thinmeta.pdata;
