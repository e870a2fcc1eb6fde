/** On-disk thin structures: superblock, device details, block_time. */
package org.thinmeta.thin.format;
