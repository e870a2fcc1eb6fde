/**
 * The command-line layer: the launcher's dispatcher and picocli commands. The only layer that
 * touches standard streams, exit codes and picocli. Depends on repair, metadata-format, btree.
 */
package org.thinmeta.cli;
