/**
 * The block manager and transaction manager of the write path: copy-on-write of metadata blocks
 * within a transaction, and commits that never overwrite a block the committed superblock can
 * reach.
 */
package org.thinmeta.pdata.tm;
