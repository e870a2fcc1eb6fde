/**
 * Changing thin metadata the way the kernel does: {@link org.thinmeta.thin.write.ThinPool} (format,
 * create thin and snapshot, provision, write, discard, delete, metadata snapshot, commit) on the
 * copy-on-write engine of {@code org.thinmeta.pdata}, the script language of {@code
 * thin_generate_metadata} ({@link org.thinmeta.thin.write.PoolOp}), and a plain model of a pool to
 * check the engine against ({@link org.thinmeta.thin.write.PoolModel}).
 */
package org.thinmeta.thin.write;
